#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>

#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_system.h>
#include <deal.II/fe/fe_values.h>

#include <deal.II/grid/cell_id.h>
#include <deal.II/grid/tria.h>

#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/petsc_precondition.h>
#include <deal.II/lac/petsc_solver.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <deal.II/numerics/data_out.h>

#include <Epetra_CrsMatrix.h>

#include <anodeless/core/constants.h>
#include <anodeless/core/errors.h>
#include <anodeless/core/run_parameters.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/mesh_refinement.h>
#include <anodeless/geometry/stack_mesh.h>
#include <anodeless/io/cell_record_io.h>
#include <anodeless/materials/material_library.h>
#include <anodeless/materials/monotone_table.h>
#include <anodeless/mechanics/cell_mechanics.h>
#include <anodeless/mechanics/constitutive.h>
#include <anodeless/mechanics/galerkin_multigrid.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    /// Below this many displacement unknowns, the 'auto' solver is direct
    /// (Amesos KLU), and so is the geometric multigrid's coarsest level.
    constexpr types::global_dof_index direct_solve_limit = 20000;

    enum class Behaviour
    {
      elastic,
      plastic,   ///< J2 (metals)
      compacting ///< Heckel (porous layers)
    };

    /// 3D strain of a dim-dimensional symmetric gradient; in 1D the lateral
    /// strain is the given value in both lateral directions (the thickness
    /// axis is dim - 1 in both the dim-D and the 3D tensor).
    template <int dim>
    Strain
    embed(const SymmetricTensor<2, dim> &e, const double lateral)
    {
      Strain e3;
      for (unsigned int i = 0; i < dim; ++i)
        for (unsigned int j = i; j < dim; ++j)
          e3[i][j] = e[i][j];
      if (dim == 1)
        {
          // thickness is axis 0; the two lateral axes are 1 and 2
          e3[1][1] = lateral;
          e3[2][2] = lateral;
        }
      return e3;
    }

    /// sym grad of shape function i, as a 3D strain.
    template <int dim>
    Strain
    shape_strain(const FEValues<dim> &values,
                 const unsigned int   i,
                 const unsigned int   q)
    {
      const FEValuesExtractors::Vector u(0);
      return embed<dim>(values[u].symmetric_gradient(i, q), 0.0);
    }
  } // namespace

  template <int dim>
  struct CellMechanics<dim>::Impl
  {
    Impl(const RunParameters &parameters,
         const LayerStack    &stack,
         StackMesh<dim>      &mesh,
         double               temperature);

    enum class Stage
    {
      press,
      mounting,
      cycling
    };

    const RunParameters       &parameters;
    const MechanicsParameters &mech;
    const LayerStack          &stack;
    StackMesh<dim>            &mesh;
    const double               temperature;
    const MPI_Comm             comm;
    const double               area;

    DoFHandler<dim>                      dof_handler;
    FESystem<dim>                        fe;
    QGauss<dim>                          quadrature;
    QGauss<dim - 1>                      face_quadrature;
    IndexSet                             owned, relevant;
    AffineConstraints<double>            constraints;
    types::global_dof_index              plate_dof = numbers::invalid_dof_index;
    std::vector<types::global_dof_index> side_dofs; ///< master per lateral axis

    TrilinosWrappers::SparseMatrix matrix;
    /// Kept for the hypre alternative, which copies the matrix into PETSc.
    std::unique_ptr<DynamicSparsityPattern> sparsity;
    TrilinosWrappers::MPI::Vector           solution, ghosted;
    /// The displacement and lateral strain the last step() reached.
    TrilinosWrappers::MPI::Vector last_step_solution;
    double                        last_step_lateral_strain = 0;

    // Materials by material id
    std::array<Behaviour, n_layer_roles + 1>                    behaviour{};
    std::array<Elasticity, n_layer_roles + 1>                   elasticity{};
    std::array<double, n_layer_roles + 1>                       yield{};
    std::array<const CompactionParameters *, n_layer_roles + 1> compaction{};

    // State by active cell index and quadrature point
    std::vector<std::vector<MaterialState>> state, state_trial;
    std::vector<std::vector<double>>        eigen_volume; ///< trace
    std::vector<std::vector<double>>        film_gap, film_gap_trial;
    /// Thickness a film has lost to creep so far [m] (growth - gap).
    std::vector<std::vector<double>> film_creep;
    std::vector<std::vector<double>> film_growth; ///< this step
    std::vector<std::vector<Stress>> stress;
    std::vector<std::vector<double>> opening; ///< compacts in tension
    std::vector<bool>                band_cell;

    Stage  stage           = Stage::press;
    double load            = 0; ///< press pressure now [Pa]
    double lateral_load    = 0; ///< pressure on the lateral faces [Pa]
    double plate_reference = 0;
    double lateral_strain  = 0; ///< 1D only
    /// 1D: slope of the lateral force in the lateral strain at the last
    /// balance (0: not known yet), the secant's first step.
    double        lateral_slope     = 0;
    double        dt                = 0;
    double        creep_factor      = 0;
    unsigned int  linear_iterations = 0;
    unsigned int  linear_solves     = 0;
    unsigned int  multigrid_set_ups = 0;
    double        assembly_time     = 0; ///< s, the last solve's assemblies
    double        linear_solve_time = 0; ///< s, its set-ups and solves
    MonotoneTable ncm_volume;

    void
    set_materials();
    void
    distribute_dofs();
    void
    make_constraints();
    /// Residual and (with_matrix) tangent; with store, the trial states and
    /// stresses. Returns the lateral stress integrated over the thickness.
    double
    assemble(bool                           store,
             TrilinosWrappers::MPI::Vector &residual,
             bool                           with_matrix = true);
    /// Newton on the displacement (and the 1D lateral strain). Returns the
    /// number of iterations.
    void
    solve();
    /// Solve the tangent system directly, or by CG preconditioned with the
    /// last factorization while that takes few iterations.
    void
    solve_direct(const TrilinosWrappers::MPI::Vector &rhs,
                 TrilinosWrappers::MPI::Vector       &x);
    /// Newton on the displacement at the current lateral strain; stores
    /// the stresses and trial states at the solution. Returns the net
    /// lateral force per unit thickness there (1D, per unit area of stack).
    double
    solve_displacement();
    /// Translations and rotations at the locally owned unknowns, one mode
    /// after the other (ML's layout; empty in 1D), and each unknown's
    /// component, for the algebraic multigrid.
    std::vector<double>            rigid_body_modes;
    std::vector<std::vector<bool>> constant_modes;
    /// Whether the displacement has level unknowns for the geometric
    /// multigrid (iterative solver, uniformly refined 2D/3D mesh).
    bool multigrid_levels = false;
    /// The displacement's geometric multigrid, kept between solves for its
    /// interpolation between levels, which is valid while the mesh and the
    /// constraints stay (each solve builds the rest for its matrix).
    GalerkinMultigrid<dim> multigrid;
    bool                   multigrid_transfer_valid = false;
    /// The direct solver's factorization of a recent tangent. Later solves
    /// run CG preconditioned by it while the tangent has moved little
    /// (creep and compaction change it slowly): a few triangular solves
    /// instead of a factorization. Valid while the matrix's pattern stays.
    std::unique_ptr<TrilinosWrappers::SolverDirect> factorization;
    SolverControl                                   factorization_control;
    unsigned int                                    factorizations = 0;
    /// Whether the last linear solve used the geometric multigrid.
    bool last_solve_geometric = false;
    /// Whether the solves of this step precondition with the multigrid of
    /// the last solve as it is (a step solved again: nearly its tangent).
    bool keep_multigrid = false;
    /// Whether a plated film is on the mesh (on any rank): a band point
    /// whose film, grown by this step, is thicker than zero. Its creeping
    /// film makes the band far softer than the cells around it; the linear
    /// interpolation between the levels cannot follow the kink of the
    /// displacement there (a 2D film step, 1.6k, 5.9k and 23k unknowns: 24,
    /// 44, 54 CG iterations; the algebraic multigrid: 26 and 33 on the
    /// larger two), so the algebraic multigrid takes over (unless the line
    /// smoother serves, below). A band without film is its elastic host.
    bool
    film_present() const
    {
      bool film = false;
      for (unsigned int i = 0; i < band_cell.size() && !film; ++i)
        if (band_cell[i])
          for (unsigned int q = 0; q < film_gap[i].size(); ++q)
            film = film || film_gap[i][q] + film_growth[i][q] > 0;
      return Utilities::MPI::logical_or(film, comm);
    }
    /// Whether the geometric multigrid solves with a film on the mesh too:
    /// in 2D with the line smoother (Multigrid smoother), which relaxes the
    /// soft band's lines whole. The Example at 82k unknowns, first cycle on
    /// 2 ranks: 1773 CG iterations in all against 4271 with the algebraic
    /// multigrid under the film, the discharge capacity the same to 3e-7
    /// (doc/performance.md).
    bool
    film_on_multigrid() const
    {
      return dim == 2 && mech.multigrid_smoother == "lines";
    }
    /// Multigrid cycle: auto takes the V-cycle where the lines smooth.
    bool
    multigrid_w_cycle() const
    {
      if (mech.multigrid_cycle == "auto")
        return !film_on_multigrid();
      return mech.multigrid_cycle == "W";
    }
    /// CG + hypre's BoomerAMG (systems AMG, unknown-based) on a PETSc copy
    /// of the matrix: the alternative to ML, kept to measure the choice.
    unsigned int
    solve_with_hypre(SolverControl                       &control,
                     const TrilinosWrappers::MPI::Vector &rhs,
                     TrilinosWrappers::MPI::Vector       &x) const;
    void
    commit();
    Response
    respond(unsigned int         material_id,
            const Strain        &strain,
            const MaterialState &old,
            MaterialState       &updated) const;
    double
    top_displacement() const;
  };

  template <int dim>
  CellMechanics<dim>::Impl::Impl(const RunParameters &parameters,
                                 const LayerStack    &stack,
                                 StackMesh<dim>      &mesh,
                                 const double         temperature)
    : parameters(parameters)
    , mech(parameters.mechanics)
    , stack(stack)
    , mesh(mesh)
    , temperature(temperature)
    , comm(mesh.field_communicator)
    , area(anodeless::lateral_area<dim>(parameters.stack))
    , dof_handler(*mesh.triangulation)
    , fe(FE_Q<dim>(1), dim)
    , quadrature(2)
    , face_quadrature(2)
  {
    std::vector<double> x, v;
    for (const auto &[li, dv] : mech.ncm_volume_table())
      {
        x.push_back(li);
        v.push_back(dv);
      }
    if (x.size() == 1)
      {
        x.push_back(x[0] + 1e-6);
        v.push_back(v[0]);
      }
    ncm_volume   = MonotoneTable(x, v);
    creep_factor = mech.li_creep_prefactor *
                   std::exp(-mech.li_creep_activation /
                            (constants::gas_constant * temperature));
  }

  template <int dim>
  void
  CellMechanics<dim>::Impl::set_materials()
  {
    for (unsigned int id = 0; id <= n_layer_roles; ++id)
      {
        const LayerRole role = role_of_material_id(id);
        const Material &m    = parameters.materials.get(
          parameters.stack.layers[static_cast<unsigned int>(role)].material);
        elasticity[id] =
          Elasticity::from_young_poisson(m.youngs_modulus, m.poisson_ratio);
        yield[id]      = m.yield_stress;
        compaction[id] = nullptr;
        switch (role)
          {
            case LayerRole::anode_current_collector:
            case LayerRole::lithiophilic_layer:
            case LayerRole::cathode_current_collector:
              behaviour[id] = Behaviour::plastic;
              break;
            case LayerRole::separator:
              behaviour[id]  = Behaviour::compacting;
              compaction[id] = &mech.separator;
              break;
            case LayerRole::cathode:
              behaviour[id]  = Behaviour::compacting;
              compaction[id] = &mech.cathode;
              break;
            case LayerRole::carbon_layer:
              behaviour[id]  = Behaviour::compacting;
              compaction[id] = &mech.carbon;
              break;
            default:
              behaviour[id] = Behaviour::elastic;
          }
      }
  }

  template <int dim>
  Response
  CellMechanics<dim>::Impl::respond(const unsigned int   id,
                                    const Strain        &strain,
                                    const MaterialState &old,
                                    MaterialState       &updated) const
  {
    switch (behaviour[id])
      {
        case Behaviour::plastic:
          return J2Plasticity(elasticity[id],
                              yield[id],
                              mech.hardening_fraction * 9 *
                                elasticity[id].bulk * elasticity[id].shear /
                                (3 * elasticity[id].bulk +
                                 elasticity[id].shear))
            .respond(strain, old, updated);
        case Behaviour::compacting:
          return HeckelCompaction(elasticity[id],
                                  compaction[id]->heckel_k,
                                  compaction[id]->heckel_a,
                                  compaction[id]->initial_relative_density)
            .respond(strain, old, updated);
        default:
          {
            updated = old;
            Response r;
            r.stress  = elasticity[id].stress(strain - old.plastic_strain);
            r.tangent = elasticity[id].stiffness();
            return r;
          }
      }
  }

  template <int dim>
  void
  CellMechanics<dim>::Impl::distribute_dofs()
  {
    dof_handler.distribute_dofs(fe);
    multigrid_levels         = false;
    multigrid_transfer_valid = false;
    factorization.reset();
    if constexpr (dim > 1)
      if (mech.linear_solver == "iterative" ||
          (mech.linear_solver == "auto" &&
           dof_handler.n_dofs() >= direct_solve_limit))
        if (GalerkinMultigrid<dim>::applicable(dof_handler))
          {
            dof_handler.distribute_mg_dofs();
            multigrid_levels = true;
          }
    owned    = dof_handler.locally_owned_dofs();
    relevant = DoFTools::extract_locally_relevant_dofs(dof_handler);
    rigid_body_modes.clear();
    constant_modes.clear();
    // On an adapted mesh, a node that hangs cannot carry a face's unknown.
    AffineConstraints<double> hanging(relevant);
    DoFTools::make_hanging_node_constraints(dof_handler, hanging);

    // The top plate and the moving lateral faces are each represented by one
    // unknown (the smallest index on the face), known on every rank.
    const auto smallest = [&](const unsigned int boundary,
                              const unsigned int component) {
      ComponentMask mask(dim, false);
      mask.set(component, true);
      const IndexSet face =
        DoFTools::extract_boundary_dofs(dof_handler, mask, {boundary});
      types::global_dof_index local = std::numeric_limits<unsigned int>::max();
      for (const auto i : face)
        if (!hanging.is_constrained(i))
          local = std::min<types::global_dof_index>(local, i);
      return static_cast<types::global_dof_index>(
        Utilities::MPI::min(static_cast<unsigned int>(local), comm));
    };
    plate_dof = smallest(boundary_ids::top, dim - 1);
    relevant.add_index(plate_dof);
    side_dofs.clear();
    for (unsigned int d = 0; d + 1 < dim; ++d)
      {
        side_dofs.push_back(smallest(boundary_ids::lateral_x1 + 2 * d, d));
        relevant.add_index(side_dofs.back());
      }
  }

  template <int dim>
  void
  CellMechanics<dim>::Impl::make_constraints()
  {
    multigrid_transfer_valid = false;
    factorization.reset(); // of a matrix about to be rebuilt
    constraints.clear();
    constraints.reinit(relevant);
    DoFTools::make_hanging_node_constraints(dof_handler, constraints);
    const auto constrain_face = [&](const unsigned int            boundary,
                                    const unsigned int            component,
                                    const types::global_dof_index master) {
      ComponentMask mask(dim, false);
      mask.set(component, true);
      const IndexSet face =
        DoFTools::extract_boundary_dofs(dof_handler, mask, {boundary});
      for (const auto i : face)
        if (!constraints.is_constrained(i) && i != master)
          {
            constraints.add_line(i);
            if (master != numbers::invalid_dof_index)
              constraints.add_entry(i, master, 1.0);
          }
    };
    // Bottom on rollers, symmetry planes at the lower lateral faces.
    constrain_face(boundary_ids::bottom, dim - 1, numbers::invalid_dof_index);
    for (unsigned int d = 0; d + 1 < dim; ++d)
      constrain_face(boundary_ids::lateral_x0 + 2 * d,
                     d,
                     numbers::invalid_dof_index);
    // Upper lateral faces: confined, or moving together (bonded stack).
    const bool confined =
      stage != Stage::press && mech.lateral_constraint == "confined";
    for (unsigned int d = 0; d + 1 < dim; ++d)
      {
        constrain_face(boundary_ids::lateral_x1 + 2 * d,
                       d,
                       confined ? numbers::invalid_dof_index : side_dofs[d]);
        if (confined && !constraints.is_constrained(side_dofs[d]))
          constraints.add_line(side_dofs[d]);
      }
    // Top: free under the press and under a constant pressure; a rigid
    // plate for a spring or a fixed gap.
    if (stage != Stage::press && mech.fixture != "constant pressure")
      {
        constrain_face(boundary_ids::top, dim - 1, plate_dof);
        if (stage == Stage::cycling && mech.fixture == "fixed gap" &&
            !constraints.is_constrained(plate_dof))
          constraints.add_line(plate_dof);
      }
    constraints.close();

    DynamicSparsityPattern dsp(relevant);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, owned, comm, relevant);
    matrix.reinit(owned, owned, dsp, comm);
    if (mech.linear_solver == "hypre")
      {
        // (A DynamicSparsityPattern cannot be copied: build it again.)
        sparsity = std::make_unique<DynamicSparsityPattern>(relevant);
        DoFTools::make_sparsity_pattern(dof_handler,
                                        *sparsity,
                                        constraints,
                                        false);
        SparsityTools::distribute_sparsity_pattern(*sparsity,
                                                   owned,
                                                   comm,
                                                   relevant);
      }
  }

  template <int dim>
  double
  CellMechanics<dim>::Impl::assemble(const bool                     store,
                                     TrilinosWrappers::MPI::Vector &residual,
                                     const bool                     with_matrix)
  {
    ghosted = solution;
    if (with_matrix)
      matrix = 0;
    residual = 0;
    FEValues<dim>                        values(fe,
                         quadrature,
                         update_values | update_gradients |
                           update_quadrature_points | update_JxW_values);
    FEFaceValues<dim>                    face_values(fe,
                                  face_quadrature,
                                  update_values | update_JxW_values);
    const FEValuesExtractors::Vector     u(0);
    const unsigned int                   n  = fe.n_dofs_per_cell();
    const unsigned int                   nq = quadrature.size();
    FullMatrix<double>                   local_matrix(n, n);
    Vector<double>                       local_residual(n);
    std::vector<types::global_dof_index> dofs(n);
    std::vector<SymmetricTensor<2, dim>> strains(nq);
    std::vector<Tensor<1, dim>>          face_u(face_quadrature.size());
    std::vector<Strain>                  shape_strains(n);
    double             lateral = 0; // 1D: integral of the lateral stress
    const unsigned int axis    = dim - 1;

    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          values.reinit(cell);
          local_matrix   = 0;
          local_residual = 0;
          values[u].get_function_symmetric_gradients(ghosted, strains);
          const unsigned int index  = cell->active_cell_index();
          const unsigned int id     = cell->material_id();
          const double       height = cell->extent_in_direction(dim - 1);
          for (unsigned int q = 0; q < nq; ++q)
            {
              Strain strain =
                embed<dim>(strains[q], lateral_strain) -
                eigen_volume[index][q] / 3.0 * unit_symmetric_tensor<3>();
              MaterialState updated;
              Response      r;
              if (band_cell[index])
                {
                  // Plated Li below this cell: elastic host with the film's
                  // normal strain.
                  updated  = state[index][q];
                  double g = 0;
                  r        = FilmBand(elasticity[id],
                               height,
                               creep_factor,
                               mech.li_creep_exponent)
                        .respond(strain - state[index][q].plastic_strain,
                                 axis,
                                 film_gap[index][q],
                                 film_growth[index][q],
                                 dt,
                                 g);
                  if (store)
                    film_gap_trial[index][q] = g;
                }
              else
                r = respond(id, strain, state[index][q], updated);
              if (store)
                {
                  state_trial[index][q] = updated;
                  stress[index][q]      = r.stress;
                  opening[index][q] =
                    behaviour[id] == Behaviour::compacting ?
                      HeckelCompaction::opening(strain, updated) :
                      0.0;
                }
              const double JxW = values.JxW(q);
              if (dim == 1)
                lateral += r.stress[1][1] * JxW;
              for (unsigned int i = 0; i < n; ++i)
                shape_strains[i] = shape_strain(values, i, q);
              for (unsigned int i = 0; i < n; ++i)
                {
                  local_residual(i) += JxW * (r.stress * shape_strains[i]);
                  if (!with_matrix)
                    continue;
                  const Stress Ci = r.tangent * shape_strains[i];
                  for (unsigned int j = 0; j < n; ++j)
                    local_matrix(i, j) += JxW * (Ci * shape_strains[j]);
                }
            }
          // Loads on the faces: press pressure on the top and the upper
          // lateral faces; the fixture on the top plate while cycling.
          for (const unsigned int f : cell->face_indices())
            {
              if (!cell->at_boundary(f))
                continue;
              const unsigned int b        = cell->face(f)->boundary_id();
              double             pressure = 0, stiffness = 0;
              unsigned int       component = dim - 1;
              if (b == boundary_ids::top)
                {
                  if (stage == Stage::press)
                    pressure = load;
                  else if (stage == Stage::mounting ||
                           mech.fixture == "constant pressure")
                    pressure = mech.stack_pressure;
                  else if (mech.fixture == "spring")
                    {
                      pressure  = mech.stack_pressure;
                      stiffness = mech.fixture_stiffness;
                    }
                }
              else if (b == boundary_ids::lateral_x1 ||
                       b == boundary_ids::lateral_y1)
                {
                  pressure  = lateral_load;
                  component = (b - boundary_ids::lateral_x1) / 2;
                }
              else
                continue;
              if (pressure == 0 && stiffness == 0)
                continue;
              face_values.reinit(cell, f);
              face_values[u].get_function_values(ghosted, face_u);
              for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                {
                  // t = -(p + k (u_n - u_ref)) n on the outer normal n.
                  const double traction =
                    pressure +
                    stiffness * (face_u[q][component] - plate_reference);
                  const double JxW = dim == 1 ? 1.0 : face_values.JxW(q);
                  for (unsigned int i = 0; i < n; ++i)
                    {
                      const double vi = face_values[u].value(i, q)[component];
                      local_residual(i) += JxW * traction * vi;
                      if (with_matrix)
                        for (unsigned int j = 0; j < n; ++j)
                          local_matrix(i, j) +=
                            JxW * stiffness * vi *
                            face_values[u].value(j, q)[component];
                    }
                }
            }
          cell->get_dof_indices(dofs);
          if (with_matrix)
            constraints.distribute_local_to_global(local_matrix,
                                                   local_residual,
                                                   dofs,
                                                   matrix,
                                                   residual);
          else
            constraints.distribute_local_to_global(local_residual,
                                                   dofs,
                                                   residual);
        }
    if (with_matrix)
      matrix.compress(VectorOperation::add);
    residual.compress(VectorOperation::add);
    return Utilities::MPI::sum(lateral, comm);
  }

  template <int dim>
  double
  CellMechanics<dim>::Impl::solve_displacement()
  {
    const auto lateral_force = [&](const double integral) {
      return integral + lateral_load * stack.total_thickness();
    };
    TrilinosWrappers::MPI::Vector residual(owned, comm), update(owned, comm);
    const double scale = std::max({load, mech.stack_pressure, 1e5}) * area;
    // The residual (N) at which the Newton iteration stops.
    const double newton_tolerance = 1e-11 * scale;
    const auto   seconds_since    = [](const auto start) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start)
        .count();
    };
    const auto timed_assemble = [&](const bool store, const bool with_matrix) {
      const auto   start    = std::chrono::steady_clock::now();
      const double integral = assemble(store, residual, with_matrix);
      assembly_time += seconds_since(start);
      return integral;
    };
    for (unsigned int it = 0; it < 40; ++it)
      {
        // After the first iteration the residual is usually converged:
        // check it before the tangent is assembled, storing the stresses
        // and trial states in case this is the solution.
        const double integral = timed_assemble(it > 0, it == 0);
        const double norm     = residual.l2_norm();
        if (!std::isfinite(norm))
          throw SolverFailure("the mechanics residual is not finite");
        if (norm <= newton_tolerance && it > 0)
          return lateral_force(integral);
        if (it > 0)
          timed_assemble(false, true);
        update = 0;
        residual *= -1.0;
        const bool direct = mech.linear_solver == "direct" ||
                            (mech.linear_solver == "auto" &&
                             dof_handler.n_dofs() < direct_solve_limit);
        // Solve to 1e-12 of the residual, but no further than a tenth of
        // the residual that ends the Newton iteration: a time step's
        // residual starts far below the load, and CG iterations past
        // that point change the displacement below what the step resolves.
        SolverControl control(5000,
                              std::max(1e-12 * residual.l2_norm(),
                                       0.1 * newton_tolerance));
        last_solve_geometric   = false;
        const auto solve_start = std::chrono::steady_clock::now();
        if (direct)
          solve_direct(residual, update);
        else if (mech.linear_solver == "hypre")
          {
            linear_iterations += solve_with_hypre(control, residual, update);
            ++linear_solves;
          }
        else if (multigrid_levels && (film_on_multigrid() || !film_present()))
          {
            if constexpr (dim > 1)
              {
                if (!keep_multigrid)
                  {
                    multigrid.initialize(dof_handler,
                                         constraints,
                                         matrix,
                                         2,
                                         direct_solve_limit,
                                         mech.multigrid_smoother == "lines",
                                         multigrid_transfer_valid,
                                         multigrid_w_cycle());
                    ++multigrid_set_ups;
                  }
                multigrid_transfer_valid = true;
                last_solve_geometric     = true;
                SolverCG<TrilinosWrappers::MPI::Vector> solver(control);
                solver.solve(matrix, update, residual, multigrid);
                linear_iterations += control.last_step();
                ++linear_solves;
              }
          }
        else
          {
            // Smoothed aggregation with all rigid-body modes (translations
            // and rotations) as the near null space.
            if (constant_modes.empty())
              {
                if constexpr (dim > 1)
                  rigid_body_modes =
                    anodeless::rigid_body_modes<dim>(dof_handler,
                                                     owned,
                                                     constant_modes);
                else
                  DoFTools::extract_constant_modes(dof_handler,
                                                   ComponentMask(dim, true),
                                                   constant_modes);
              }
            TrilinosWrappers::PreconditionAMG amg;
            initialize_elasticity_amg(amg,
                                      matrix,
                                      constant_modes,
                                      rigid_body_modes);
            SolverCG<TrilinosWrappers::MPI::Vector> solver(control);
            solver.solve(matrix, update, residual, amg);
            linear_iterations += control.last_step();
            ++linear_solves;
          }
        linear_solve_time += seconds_since(solve_start);
        constraints.distribute(update);
        solution += update;
        // In the metals a residual row sums stiffnesses of 1e17 Pa/m times
        // micrometres: it cannot fall far below round-off, so an update at
        // round-off level of the displacement also ends the iteration.
        if (update.linfty_norm() <=
            1e-12 * std::max(solution.linfty_norm(), 1e-9))
          break;
        if (it == 39)
          throw SolverFailure("the mechanics did not converge in 40 Newton "
                              "iterations (residual " +
                              std::to_string(norm / scale) + ")");
      }
    return lateral_force(timed_assemble(true, false));
  }

  template <int dim>
  void
  CellMechanics<dim>::Impl::solve_direct(
    const TrilinosWrappers::MPI::Vector &rhs,
    TrilinosWrappers::MPI::Vector       &x)
  {
    // Beyond this many CG iterations a new factorization is cheaper.
    constexpr unsigned int reuse_iterations = 8;
    // (In 1D a factorization costs about what a solve does, and an exact
    // solve keeps a resumed run identical to the straight one: the lateral
    // force balance's secant stops on a tolerance that round-off crosses.)
    if (factorization && dim > 1)
      {
        const struct
        {
          TrilinosWrappers::SolverDirect &lu;
          void
          vmult(TrilinosWrappers::MPI::Vector       &dst,
                const TrilinosWrappers::MPI::Vector &src) const
          {
            lu.solve(dst, src);
          }
        } preconditioner{*factorization};
        // To the factorization's own accuracy, not just the Newton
        // tolerance's: the run must not depend on which factorization
        // preconditioned a solve (a resumed run starts with a new one).
        SolverControl                           control(reuse_iterations,
                              1e-13 * rhs.l2_norm(),
                              false,
                              false);
        SolverCG<TrilinosWrappers::MPI::Vector> cg(control);
        try
          {
            cg.solve(matrix, x, rhs, preconditioner);
            linear_iterations += control.last_step();
            ++linear_solves;
            return;
          }
        catch (const std::exception &)
          {
            // The tangent has moved too far: factorize it.
            x = 0;
          }
      }
    factorization =
      std::make_unique<TrilinosWrappers::SolverDirect>(factorization_control);
    factorization->initialize(matrix);
    factorization->solve(x, rhs);
    ++factorizations;
  }

  template <int dim>
  void
  CellMechanics<dim>::Impl::solve()
  {
    linear_iterations = 0;
    linear_solves     = 0;
    multigrid_set_ups = 0;
    factorizations    = 0;
    assembly_time     = 0;
    linear_solve_time = 0;
    const bool free_1d =
      dim == 1 && (stage == Stage::press || mech.lateral_constraint == "free");
    if (!free_1d)
      {
        if (dim == 1)
          lateral_strain = 0;
        solve_displacement();
      }
    else
      {
        // The lateral strain balances the lateral forces: the layers' lateral
        // stresses integrated over the thickness equal -p_lateral H. The
        // balance is monotone in the strain; secant iteration, its first
        // step with the last balance's slope (exact while the stack is
        // elastic, so one displacement solve after the first suffices).
        const double scale =
          std::max({lateral_load, mech.stack_pressure, 1e5}) *
          stack.total_thickness();
        double e0 = lateral_strain;
        double f0 = solve_displacement();
        double e1 = lateral_slope != 0 ? e0 - f0 / lateral_slope : e0 + 1e-6;
        for (unsigned int it = 0; it < 60 && std::abs(f0) > 1e-11 * scale; ++it)
          {
            lateral_strain  = e1;
            const double f1 = solve_displacement();
            if (f1 != f0)
              lateral_slope = (f1 - f0) / (e1 - e0);
            else if (lateral_slope == 0)
              throw SolverFailure("the lateral force of the stack does not "
                                  "change with its lateral strain");
            if (std::abs(f1) <= 1e-11 * scale)
              break;
            const double e2 = e1 - f1 / lateral_slope;
            e0              = e1;
            f0              = f1;
            e1              = e2;
            if (it == 59)
              throw SolverFailure("the lateral force balance of the stack did "
                                  "not converge");
          }
      }
    // The last displacement solve stored the stresses and trial states.
  }

  template <int dim>
  unsigned int
  CellMechanics<dim>::Impl::solve_with_hypre(
    SolverControl                       &control,
    const TrilinosWrappers::MPI::Vector &rhs,
    TrilinosWrappers::MPI::Vector       &x) const
  {
    PETScWrappers::MPI::SparseMatrix A;
    A.reinit(owned, owned, *sparsity, comm);
    // Row by row through Epetra (deal.II's entry iterator copies each row
    // for every entry).
    const Epetra_CrsMatrix              &crs = matrix.trilinos_matrix();
    std::vector<types::global_dof_index> columns;
    std::vector<double>                  values;
    for (int local = 0; local < crs.NumMyRows(); ++local)
      {
        int     n = 0;
        double *row_values;
        int    *row_columns;
        crs.ExtractMyRowView(local, n, row_values, row_columns);
        columns.resize(n);
        values.assign(row_values, row_values + n);
        for (int k = 0; k < n; ++k)
          columns[k] = crs.GCID64(row_columns[k]);
        A.set(crs.GRID64(local), n, columns.data(), values.data(), false);
      }
    A.compress(VectorOperation::insert);
    PETScWrappers::MPI::Vector b(owned, comm), y(owned, comm);
    for (const auto i : owned)
      b[i] = rhs[i];
    b.compress(VectorOperation::insert);
    PETScWrappers::PreconditionBoomerAMG::AdditionalData data;
    data.symmetric_operator = true;
    data.strong_threshold   = dim == 3 ? 0.5 : 0.25; // hypre's advice
    PETScWrappers::PreconditionBoomerAMG amg(A, data);
    PETScWrappers::SolverCG              solver(control, comm);
    solver.solve(A, y, b, amg);
    for (const auto i : owned)
      x[i] = y[i];
    x.compress(VectorOperation::insert);
    return control.last_step();
  }

  template <int dim>
  void
  CellMechanics<dim>::Impl::commit()
  {
    state = state_trial;
    for (unsigned int c = 0; c < film_gap.size(); ++c)
      for (unsigned int q = 0; q < film_gap[c].size(); ++q)
        film_creep[c][q] += std::max(0.0, film_gap[c][q] + film_growth[c][q]) -
                            film_gap_trial[c][q];
    film_gap = film_gap_trial;
  }

  template <int dim>
  double
  CellMechanics<dim>::Impl::top_displacement() const
  {
    TrilinosWrappers::MPI::Vector g(owned, relevant, comm);
    g = solution;
    return g[plate_dof];
  }

  template <int dim>
  CellMechanics<dim>::CellMechanics(const RunParameters &parameters,
                                    const LayerStack    &stack,
                                    StackMesh<dim>      &mesh,
                                    const double         temperature)
    : impl(std::make_unique<Impl>(parameters, stack, mesh, temperature))
  {
  }

  template <int dim>
  CellMechanics<dim>::~CellMechanics() = default;

  template <int dim>
  void
  CellMechanics<dim>::setup()
  {
    Impl &d = *impl;
    d.set_materials();
    d.distribute_dofs();
    const unsigned int n_cells = d.mesh.triangulation->n_active_cells();
    const unsigned int nq      = d.quadrature.size();
    d.state.assign(n_cells, std::vector<MaterialState>(nq));
    d.state_trial = d.state;
    d.stress.assign(n_cells, std::vector<Stress>(nq));
    d.opening.assign(n_cells, std::vector<double>(nq, 0.0));
    d.eigen_volume.assign(n_cells, std::vector<double>(nq, 0.0));
    d.film_gap.assign(n_cells, std::vector<double>(nq, 0.0));
    d.film_gap_trial = d.film_gap;
    d.film_growth    = d.film_gap;
    d.film_creep     = d.film_gap;
    d.band_cell.assign(n_cells, false);
    d.solution.reinit(d.owned, d.comm);
    d.ghosted.reinit(d.owned, d.relevant, d.comm);
    d.stage = Impl::Stage::press;
    d.make_constraints();
  }

  template <int dim>
  double
  CellMechanics<dim>::press()
  {
    Impl        &d = *impl;
    const double p = d.parameters.mechanics.press_pressure;
    if (d.parameters.mechanics.press_layers == "sliding")
      {
        // Layers not yet bonded, in a pouch under fluid pressure: every
        // point is loaded hydrostatically to p and unloaded. Porous layers
        // compact (Heckel), the rest unloads elastically; no stress is left.
        // The pressed state is the stress-free reference of the bonded
        // stack; the compaction history stays (density, largest pressure).
        double change = 0;
        for (const auto &layer : d.stack.layers())
          {
            const unsigned int id = static_cast<unsigned int>(layer.role);
            if (d.compaction[id] == nullptr)
              continue;
            const HeckelCompaction law(
              d.elasticity[id],
              d.compaction[id]->heckel_k,
              d.compaction[id]->heckel_a,
              d.compaction[id]->initial_relative_density);
            const double volumetric = law.volumetric_plastic_strain(p).first;
            change += layer.thickness * (std::exp(volumetric / 3) - 1);
          }
        for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
          if (cell->is_locally_owned() &&
              d.compaction[cell->material_id()] != nullptr)
            for (auto &point : d.state[cell->active_cell_index()])
              point.max_pressure = std::max(point.max_pressure, p);
        d.state_trial = d.state;
        return change;
      }
    // Bonded layers: the stack is loaded as one body on the mesh.
    d.stage = Impl::Stage::press;
    d.make_constraints();
    d.dt                 = 0;
    const unsigned int n = d.parameters.mechanics.press_steps;
    // Load, then unload: the compaction laws are rate-independent, so the
    // hold at full pressure changes nothing.
    // A load step whose Newton iteration fails (plastic flow of the metals
    // in a large increment) is split in halves, up to 64ths.
    const std::function<void(double, double, unsigned int)> load_to =
      [&](const double from, const double to, const unsigned int depth) {
        const TrilinosWrappers::MPI::Vector start   = d.solution;
        const double                        lateral = d.lateral_strain;
        d.load                                      = to * p;
        d.lateral_load                              = d.load;
        try
          {
            d.solve();
            d.commit();
          }
        catch (const SolverFailure &failure)
          {
            if (depth == 6)
              throw SolverFailure(
                std::string("the fabrication press did not converge even in "
                            "load increments 64 times smaller than "
                            "Mechanics/Press/Load steps = ") +
                std::to_string(n) + " gives (" + failure.what() +
                "). Give more Load steps, a lower Mechanics/Press/Pressure, "
                "or Mechanics/Press/Layers = sliding.");
            d.solution       = start;
            d.lateral_strain = lateral;
            load_to(from, (from + to) / 2, depth + 1);
            load_to((from + to) / 2, to, depth + 1);
          }
      };
    double fraction = 0;
    for (unsigned int k = 1; k <= 2 * n; ++k)
      {
        const double next = k <= n ? double(k) / n : double(2 * n - k) / n;
        load_to(fraction, next, 0);
        fraction = next;
      }
    d.load = d.lateral_load = 0;
    return d.top_displacement();
  }

  template <int dim>
  void
  CellMechanics<dim>::mount()
  {
    Impl &d        = *impl;
    d.stage        = Impl::Stage::mounting;
    d.lateral_load = 0;
    d.make_constraints();
    d.solve();
    d.commit();
    d.plate_reference = d.top_displacement();
    d.stage           = Impl::Stage::cycling;
    d.make_constraints();
  }

  template <int dim>
  void
  CellMechanics<dim>::step(const double                            dt,
                           const std::vector<std::vector<double>> &x,
                           const std::vector<std::vector<double>> &theta,
                           const std::vector<std::vector<double>> &before,
                           const std::vector<std::vector<double>> &after,
                           const bool from_last_step)
  {
    Impl        &d    = *impl;
    const auto  &mech = d.parameters.mechanics;
    const double eps_ncm =
      d.parameters.electrochemistry.cathode.active_volume_fraction;
    const double x0 = d.parameters.electrochemistry.cathode.initial_li_fraction;
    d.dt            = dt;
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const unsigned int i = cell->active_cell_index();
          for (unsigned int q = 0; q < d.quadrature.size(); ++q)
            {
              double volume = 0;
              if (!x[i].empty())
                volume = eps_ncm *
                         (d.ncm_volume.value(x[i][q]) - d.ncm_volume.value(x0));
              else if (!theta[i].empty())
                volume = mech.carbon_volume_change * theta[i][q];
              d.eigen_volume[i][q] = volume;
            }
          // Film growth from the face below this cell (plating interface).
          const unsigned int bottom = 2 * dim - 2;
          std::fill(d.film_growth[i].begin(), d.film_growth[i].end(), 0.0);
          if (!cell->at_boundary(bottom))
            {
              const unsigned int below =
                cell->neighbor(bottom)->active_cell_index();
              if (below < after.size() && !after[below].empty())
                {
                  d.band_cell[i] = true;
                  // Cell quadrature points (lateral index, height index)
                  // sit over face point (lateral index).
                  const unsigned int nf = after[below].size();
                  for (unsigned int q = 0; q < d.quadrature.size(); ++q)
                    {
                      const double h0 = before[below][q % nf];
                      const double dh = after[below][q % nf] - h0;
                      d.film_growth[i][q] =
                        dh >= 0 ? dh :
                                  (h0 > 0 ? dh * d.film_gap[i][q] / h0 : 0.0);
                    }
                }
            }
        }
    if (from_last_step && d.last_step_solution.size() == d.solution.size())
      {
        d.solution       = d.last_step_solution;
        d.lateral_strain = d.last_step_lateral_strain;
      }
    // The last solve was this step's, so its multigrid serves again: the
    // levels' operators, smoothers and coarse factorization are not set up
    // anew (over half of a set-up; the interpolation is kept anyway).
    d.keep_multigrid =
      from_last_step && d.last_solve_geometric && d.multigrid_transfer_valid;
    try
      {
        d.solve();
      }
    catch (...)
      {
        d.keep_multigrid = false;
        throw;
      }
    d.keep_multigrid = false;
    d.commit();
    d.last_step_solution       = d.solution;
    d.last_step_lateral_strain = d.lateral_strain;
  }

  template <int dim>
  double
  CellMechanics<dim>::stack_pressure() const
  {
    const Impl &d = *impl;
    if (d.stage == Impl::Stage::press)
      return d.load;
    if (d.parameters.mechanics.fixture == "spring")
      return d.parameters.mechanics.stack_pressure +
             d.parameters.mechanics.fixture_stiffness *
               (d.top_displacement() - d.plate_reference);
    if (d.parameters.mechanics.fixture == "constant pressure")
      return d.parameters.mechanics.stack_pressure;
    // Fixed gap: the mean normal stress on the top cells.
    double      force = 0, area = 0;
    QGauss<dim> q(2);
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() && cell->at_boundary(2 * dim - 1) &&
          cell->face(2 * dim - 1)->boundary_id() == boundary_ids::top)
        for (unsigned int k = 0; k < q.size(); ++k)
          {
            // Weighted by the face's area: the top cells of an adapted
            // mesh differ in height.
            double w = q.weight(k);
            if constexpr (dim > 1)
              w *= cell->face(2 * dim - 1)->measure();
            force -=
              d.stress[cell->active_cell_index()][k][dim - 1][dim - 1] * w;
            area += w;
          }
    force = Utilities::MPI::sum(force, d.comm);
    area  = Utilities::MPI::sum(area, d.comm);
    return force / area;
  }

  template <int dim>
  double
  CellMechanics<dim>::thickness_change() const
  {
    return impl->top_displacement();
  }

  template <int dim>
  double
  CellMechanics<dim>::max_film_pressure() const
  {
    const Impl &d = *impl;
    double      p = 0;
    for (unsigned int i = 0; i < d.band_cell.size(); ++i)
      if (d.band_cell[i])
        for (unsigned int q = 0; q < d.quadrature.size(); ++q)
          // A film stripped to its end leaves gaps at round-off level
          // (1e-20 m), whose points would make the maximum depend on the
          // partition: below a picometre there is no film.
          if (d.film_gap[i][q] > 1e-12)
            p = std::max(p, -d.stress[i][q][dim - 1][dim - 1]);
    return Utilities::MPI::max(p, d.comm);
  }

  template <int dim>
  MechanicalCoupling
  CellMechanics<dim>::coupling() const
  {
    const Impl        &d = *impl;
    MechanicalCoupling c;
    const unsigned int n_cells = d.mesh.triangulation->n_active_cells();
    c.ionic_conductivity_factor.assign(n_cells, {});
    c.electronic_conductivity_factor.assign(n_cells, {});
    c.contact_factor.assign(n_cells, {});
    c.film_pressure.assign(n_cells, {});
    const auto  &mech = d.parameters.mechanics;
    const double dc   = mech.percolation_density;
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const unsigned int i    = cell->active_cell_index();
          const unsigned int id   = cell->material_id();
          const LayerRole    role = role_of_material_id(id);
          const unsigned int nq   = d.quadrature.size();
          if (d.compaction[id] != nullptr)
            {
              const HeckelCompaction law(
                d.elasticity[id],
                d.compaction[id]->heckel_k,
                d.compaction[id]->heckel_a,
                d.compaction[id]->initial_relative_density);
              const double d0 = d.compaction[id]->initial_relative_density;
              for (unsigned int q = 0; q < nq; ++q)
                {
                  const double D =
                    law.relative_density(d.state[i][q].max_pressure);
                  const double ratio = (D - dc) / (d0 - dc);
                  if (role != LayerRole::carbon_layer)
                    c.ionic_conductivity_factor[i].push_back(
                      std::pow(ratio, mech.percolation_exponent));
                  if (role == LayerRole::cathode)
                    c.contact_factor[i].push_back(
                      std::min(1.0 / d.parameters.electrochemistry.cathode
                                       .contact_fraction,
                               std::pow(ratio, mech.contact_density_exponent)) *
                      std::exp(-d.opening[i][q] / mech.contact_loss_strain));
                  if (role == LayerRole::carbon_layer)
                    c.electronic_conductivity_factor[i].push_back(
                      std::pow(std::max(d.state[i][q].max_pressure, 1.0) /
                                 mech.carbon_reference_pressure,
                               mech.carbon_pressure_exponent));
                }
            }
          // Film pressure on the face below a band cell.
          if (d.band_cell[i] && !cell->at_boundary(2 * dim - 2))
            {
              const unsigned int below =
                cell->neighbor(2 * dim - 2)->active_cell_index();
              const unsigned int nf = d.face_quadrature.size();
              c.film_pressure[below].assign(nf, 0.0);
              for (unsigned int q = 0; q < nq; ++q)
                c.film_pressure[below][q % nf] +=
                  -d.stress[i][q][dim - 1][dim - 1] * nf / nq;
            }
        }
    return c;
  }

  template <int dim>
  std::vector<LayerStress>
  CellMechanics<dim>::layer_stresses() const
  {
    const Impl &d      = *impl;
    const auto &layers = d.stack.layers();
    struct Extremes
    {
      double max_h   = -std::numeric_limits<double>::max();
      double min_h   = std::numeric_limits<double>::max();
      double max_p   = -std::numeric_limits<double>::max();
      double density = 0, volume = 0;
    };
    std::vector<Extremes> found(layers.size());
    // One pass over the cells, each adding to its layer's extremes.
    std::map<LayerRole, unsigned int> layer_of;
    for (unsigned int l = 0; l < layers.size(); ++l)
      layer_of.emplace(layers[l].role, l);
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      {
        if (!cell->is_locally_owned() || d.band_cell[cell->active_cell_index()])
          continue;
        const auto layer =
          layer_of.find(role_of_material_id(cell->material_id()));
        if (layer == layer_of.end())
          continue;
        Extremes                       &e       = found[layer->second];
        const unsigned int              i       = cell->active_cell_index();
        const unsigned int              id      = cell->material_id();
        const double                    measure = cell->measure();
        std::optional<HeckelCompaction> compaction;
        if (d.compaction[id] != nullptr)
          compaction.emplace(d.elasticity[id],
                             d.compaction[id]->heckel_k,
                             d.compaction[id]->heckel_a,
                             d.compaction[id]->initial_relative_density);
        for (unsigned int q = 0; q < d.quadrature.size(); ++q)
          {
            const Stress &s = d.stress[i][q];
            const double  h = trace(s) / 3;
            e.max_h         = std::max(e.max_h, h);
            e.min_h         = std::min(e.min_h, h);
            // The largest principal stress exceeds the mean stress by at
            // most sqrt(2/3) |dev s|: below that bound (with a margin for
            // round-off) it cannot raise the maximum, and its eigenvalues
            // are not needed.
            const double spread = std::sqrt(2.0 / 3.0) * deviator(s).norm();
            if (h + spread + 1e-10 * (std::abs(h) + spread) >= e.max_p)
              e.max_p = std::max(e.max_p, eigenvalues(s)[0]);
            const double D =
              compaction ?
                compaction->relative_density(d.state[i][q].max_pressure) :
                1.0;
            e.density += D * measure;
            e.volume += measure;
          }
      }
    std::vector<LayerStress> result;
    for (unsigned int l = 0; l < layers.size(); ++l)
      {
        // (A role named twice gets the same extremes twice.)
        const Extremes &e = found[layer_of.at(layers[l].role)];
        LayerStress     s;
        s.layer                 = role_name(layers[l].role);
        s.max_hydrostatic       = Utilities::MPI::max(e.max_h, d.comm);
        s.min_hydrostatic       = -Utilities::MPI::max(-e.min_h, d.comm);
        s.max_principal         = Utilities::MPI::max(e.max_p, d.comm);
        const double density    = Utilities::MPI::sum(e.density, d.comm);
        const double volume     = Utilities::MPI::sum(e.volume, d.comm);
        s.mean_relative_density = volume > 0 ? density / volume : 1.0;
        result.push_back(s);
      }
    return result;
  }

  template <int dim>
  std::string
  CellMechanics<dim>::write_fields(const std::string &directory,
                                   const std::string &name,
                                   const unsigned int index) const
  {
    const Impl        &d       = *impl;
    const unsigned int n_cells = d.mesh.triangulation->n_active_cells();
    Vector<float>      pressure(n_cells), von_mises(n_cells), density(n_cells),
      film(n_cells), plastic(n_cells), compaction(n_cells), chemical(n_cells),
      creep(n_cells);
    // Cell means of the 3D stress and total strain tensors, by component
    // (plane strain and the 1D stack embed theirs, as in the assembly).
    constexpr unsigned int n_components = 6;
    const std::array<std::pair<unsigned int, unsigned int>, n_components>
      components{{{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}}};
    std::vector<Vector<float>> stress(n_components, Vector<float>(n_cells)),
      strain(n_components, Vector<float>(n_cells));

    TrilinosWrappers::MPI::Vector g(d.owned, d.relevant, d.comm);
    g = d.solution;
    FEValues<dim>                        values(d.fe,
                         d.quadrature,
                         update_gradients | update_JxW_values);
    const FEValuesExtractors::Vector     u(0);
    std::vector<SymmetricTensor<2, dim>> gradients(d.quadrature.size());
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const unsigned int i  = cell->active_cell_index();
          const unsigned int id = cell->material_id();
          const unsigned int nq = d.quadrature.size();
          values.reinit(cell);
          values[u].get_function_symmetric_gradients(g, gradients);
          for (unsigned int q = 0; q < nq; ++q)
            {
              const Stress &s = d.stress[i][q];
              const Strain  e = embed<dim>(gradients[q], d.lateral_strain);
              for (unsigned int k = 0; k < n_components; ++k)
                {
                  const auto [a, b] = components[k];
                  stress[k](i) += s[a][b] / nq;
                  strain[k](i) += e[a][b] / nq;
                }
              pressure(i) += -trace(s) / 3 / nq;
              von_mises(i) += std::sqrt(1.5) * deviator(s).norm() / nq;
              plastic(i) += d.state[i][q].equivalent_plastic_strain / nq;
              compaction(i) += trace(d.state[i][q].plastic_strain) / nq;
              chemical(i) += d.eigen_volume[i][q] / nq;
              film(i) += d.film_gap[i][q] / nq;
              creep(i) += d.film_creep[i][q] / nq;
              density(i) +=
                (d.compaction[id] == nullptr ?
                   1.0 :
                   HeckelCompaction(d.elasticity[id],
                                    d.compaction[id]->heckel_k,
                                    d.compaction[id]->heckel_a,
                                    d.compaction[id]->initial_relative_density)
                     .relative_density(d.state[i][q].max_pressure)) /
                nq;
            }
        }
    DataOut<dim> data_out;
    data_out.attach_dof_handler(d.dof_handler);
    std::vector<DataComponentInterpretation::DataComponentInterpretation>
      vector(dim, DataComponentInterpretation::component_is_part_of_vector);
    data_out.add_data_vector(g,
                             std::vector<std::string>(dim, "displacement"),
                             DataOut<dim>::type_dof_data,
                             vector);
    data_out.add_data_vector(pressure, "pressure_Pa");
    data_out.add_data_vector(von_mises, "von_Mises_stress_Pa");
    const char *axes = "xyz";
    for (unsigned int k = 0; k < n_components; ++k)
      {
        const std::string suffix = {axes[components[k].first],
                                    axes[components[k].second]};
        data_out.add_data_vector(stress[k], "stress_" + suffix + "_Pa");
        data_out.add_data_vector(strain[k], "strain_" + suffix);
      }
    data_out.add_data_vector(plastic, "equivalent_plastic_strain");
    data_out.add_data_vector(compaction, "volumetric_plastic_strain");
    data_out.add_data_vector(chemical, "chemical_volume_strain");
    data_out.add_data_vector(density, "relative_density");
    data_out.add_data_vector(film, "Li_film_gap_m");
    data_out.add_data_vector(creep, "Li_film_creep_m");
    data_out.build_patches();
    if (!d.mesh.writes_own_piece())
      return "";
    return data_out.write_vtu_with_pvtu_record(directory + "/",
                                               name,
                                               index,
                                               d.comm,
                                               5);
  }

  template <int dim>
  unsigned int
  CellMechanics<dim>::n_dofs() const
  {
    return impl->dof_handler.n_dofs();
  }

  template <int dim>
  unsigned int
  CellMechanics<dim>::last_linear_iterations() const
  {
    return impl->linear_iterations;
  }

  template <int dim>
  unsigned int
  CellMechanics<dim>::last_linear_solves() const
  {
    return impl->linear_solves;
  }

  template <int dim>
  unsigned int
  CellMechanics<dim>::last_multigrid_set_ups() const
  {
    return impl->multigrid_set_ups;
  }

  template <int dim>
  unsigned int
  CellMechanics<dim>::last_factorizations() const
  {
    return impl->factorizations;
  }

  template <int dim>
  std::pair<double, double>
  CellMechanics<dim>::last_solve_times() const
  {
    return {impl->assembly_time, impl->linear_solve_time};
  }

  template <int dim>
  bool
  CellMechanics<dim>::uses_geometric_multigrid() const
  {
    return impl->last_solve_geometric;
  }


  namespace
  {
    void
    put_tensor(std::vector<double> &out, const SymmetricTensor<2, 3> &t)
    {
      for (unsigned int i = 0; i < t.n_independent_components; ++i)
        out.push_back(t.access_raw_entry(i));
    }

    SymmetricTensor<2, 3>
    take_tensor(const std::vector<double> &in, std::size_t &k)
    {
      SymmetricTensor<2, 3> t;
      for (unsigned int i = 0; i < t.n_independent_components; ++i)
        t.access_raw_entry(i) = in.at(k++);
      return t;
    }
  } // namespace

  template <int dim>
  void
  CellMechanics<dim>::save_state(
    std::map<std::string, std::vector<double>> &cells) const
  {
    Impl &d   = *impl;
    d.ghosted = d.solution;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          std::vector<double> &values = cells[cell->id().to_string()];
          values.clear();
          CellRecord record(values);
          record.put(cell_unknowns(cell, d.ghosted));
          const unsigned int  c = cell->active_cell_index();
          std::vector<double> points;
          for (unsigned int q = 0; q < d.quadrature.size(); ++q)
            {
              put_tensor(points, d.state[c][q].plastic_strain);
              points.push_back(d.state[c][q].equivalent_plastic_strain);
              points.push_back(d.state[c][q].max_pressure);
              put_tensor(points, d.stress[c][q]);
            }
          record.put(points);
          record.put(d.eigen_volume[c]);
          record.put(d.film_gap[c]);
          record.put(d.film_growth[c]);
          record.put(d.film_creep[c]);
          record.put(d.opening[c]);
          record.put(d.band_cell[c] ? 1.0 : 0.0);
        }
    // The plate's degree of freedom is shared by all ranks (a constraint
    // master); the scalars are the same on every rank.
    cells["global"] = {d.plate_reference,
                       d.lateral_strain,
                       d.load,
                       d.lateral_load,
                       d.stage == Impl::Stage::cycling ? 1.0 : 0.0,
                       d.lateral_slope};
  }

  template <int dim>
  void
  CellMechanics<dim>::load_state(
    const std::map<std::string, std::vector<double>> &cells)
  {
    Impl      &d      = *impl;
    const auto global = cells.find("global");
    if (global == cells.end() || global->second.size() < 5 ||
        global->second[4] != 1.0)
      throw std::runtime_error(
        "the checkpoint has no mechanical state of a stack in its fixture");
    d.plate_reference = global->second[0];
    d.lateral_strain  = global->second[1];
    d.load            = global->second[2];
    d.lateral_load    = global->second[3];
    // (Checkpoints written before the slope was kept have five values.)
    d.lateral_slope = global->second.size() > 5 ? global->second[5] : 0.0;
    // A coupling pass returning to its step's start finds the cycling
    // constraints in place: they, the matrix's pattern and the multigrid's
    // interpolation stay.
    if (d.stage != Impl::Stage::cycling)
      {
        d.stage = Impl::Stage::cycling;
        d.make_constraints();
      }
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      // Owned cells only: the states of ghost cells are never set or
      // read (every rank keeps its own cells' states).
      if (cell->is_locally_owned())
        {
          CellRecord record(record_of(cells, cell, "mechanical"));
          set_cell_unknowns(cell, record.take(), d.owned, d.solution);
          const unsigned int c      = cell->active_cell_index();
          const auto         points = record.take();
          std::size_t        k      = 0;
          for (unsigned int q = 0; q < d.quadrature.size(); ++q)
            {
              d.state[c][q].plastic_strain            = take_tensor(points, k);
              d.state[c][q].equivalent_plastic_strain = points.at(k++);
              d.state[c][q].max_pressure              = points.at(k++);
              d.stress[c][q]                          = take_tensor(points, k);
            }
          d.eigen_volume[c] = record.take();
          d.film_gap[c]     = record.take();
          d.film_growth[c]  = record.take();
          d.film_creep[c]   = record.take();
          d.opening[c]      = record.take();
          d.band_cell[c]    = record.take_one() > 0.5;
        }
    d.solution.compress(VectorOperation::insert);
    d.ghosted        = d.solution;
    d.state_trial    = d.state;
    d.film_gap_trial = d.film_gap;
  }

  template <int dim>
  struct CellMechanics<dim>::Snapshot
  {
    TrilinosWrappers::MPI::Vector           solution;
    std::vector<std::vector<MaterialState>> state;
    std::vector<std::vector<Stress>>        stress;
    std::vector<std::vector<double>>        eigen_volume, film_gap, film_growth,
      film_creep, opening;
    std::vector<bool> band_cell;
    double plate_reference, lateral_strain, load, lateral_load, lateral_slope;
  };

  template <int dim>
  std::shared_ptr<const typename CellMechanics<dim>::Snapshot>
  CellMechanics<dim>::snapshot() const
  {
    const Impl &d = *impl;
    if (d.stage != Impl::Stage::cycling)
      throw std::logic_error("a mechanics snapshot is taken while cycling");
    return std::make_shared<const Snapshot>(Snapshot{d.solution,
                                                     d.state,
                                                     d.stress,
                                                     d.eigen_volume,
                                                     d.film_gap,
                                                     d.film_growth,
                                                     d.film_creep,
                                                     d.opening,
                                                     d.band_cell,
                                                     d.plate_reference,
                                                     d.lateral_strain,
                                                     d.load,
                                                     d.lateral_load,
                                                     d.lateral_slope});
  }

  template <int dim>
  void
  CellMechanics<dim>::restore(const Snapshot &s)
  {
    // As load_state, from the vectors themselves: the mesh, its partition
    // and the cycling constraints are those of the snapshot.
    Impl &d = *impl;
    if (d.stage != Impl::Stage::cycling || s.state.size() != d.state.size() ||
        s.solution.locally_owned_elements() != d.owned)
      throw std::logic_error("a mechanics snapshot of another mesh");
    d.solution        = s.solution;
    d.state           = s.state;
    d.stress          = s.stress;
    d.eigen_volume    = s.eigen_volume;
    d.film_gap        = s.film_gap;
    d.film_growth     = s.film_growth;
    d.film_creep      = s.film_creep;
    d.opening         = s.opening;
    d.band_cell       = s.band_cell;
    d.plate_reference = s.plate_reference;
    d.lateral_strain  = s.lateral_strain;
    d.load            = s.load;
    d.lateral_load    = s.lateral_load;
    d.lateral_slope   = s.lateral_slope;
    d.ghosted         = d.solution;
    d.state_trial     = d.state;
    d.film_gap_trial  = d.film_gap;
  }

  template <int dim>
  std::vector<std::vector<double>>
  CellMechanics<dim>::split_record(const unsigned int,
                                   const std::vector<double> &parent) const
  {
    if constexpr (dim == 1)
      throw std::logic_error("1D meshes are not adapted");
    else
      {
        const Impl        &d        = *impl;
        const unsigned int nq       = d.quadrature.size();
        const unsigned int children = GeometryInfo<dim>::max_children_per_cell;
        // Children with bit dim-1 clear lie on the parent's lower face: a
        // band's film is on it.
        const unsigned int top_bit = 1u << (dim - 1);

        CellRecord                       in(parent);
        std::vector<std::vector<double>> records(children);
        std::vector<CellRecord>          out;
        for (auto &r : records)
          out.emplace_back(r);

        const auto unknowns = in.take();
        for (unsigned int c = 0; c < children; ++c)
          out[c].put(child_q1_unknowns(d.fe, unknowns, c));
        // Material state, stress, chemical eigenstrain and opening: point
        // q of the 2-point Gauss rule lies in child q, whose points all take
        // its state (equal weights: the integrals are kept, a coarsening
        // back returns the states; as the electrochemistry's point states).
        // The films: the parent's mean, spread over the band's lower
        // children.
        const auto                       points       = in.take();
        const auto                       eigen_volume = in.take();
        std::vector<std::vector<double>> films;
        for (unsigned int k = 0; k < 3; ++k) // gap, growth, creep
          films.push_back(repeat_points(point_mean(in.take(), nq), nq));
        const auto                opening = in.take();
        const bool                band    = in.take_one() > 0.5;
        const std::vector<double> none(nq, 0.0);
        const auto inherit = [&](const std::vector<double> &values,
                                 const unsigned int         c) {
          return nq == children ? repeat_point(values, nq, c) :
                                  repeat_points(point_mean(values, nq), nq);
        };
        for (unsigned int c = 0; c < children; ++c)
          {
            const bool on_film = band && !(c & top_bit);
            out[c].put(inherit(points, c));
            out[c].put(inherit(eigen_volume, c));
            for (const auto &film : films)
              out[c].put(on_film ? film : none);
            out[c].put(inherit(opening, c));
            out[c].put(on_film ? 1.0 : 0.0);
          }
        return records;
      }
  }

  template <int dim>
  std::vector<double>
  CellMechanics<dim>::merge_records(
    const unsigned int,
    const std::vector<std::vector<double>> &children) const
  {
    if constexpr (dim == 1)
      throw std::logic_error("1D meshes are not adapted");
    else
      {
        const Impl             &d  = *impl;
        const unsigned int      nq = d.quadrature.size();
        std::vector<CellRecord> in;
        for (const auto &r : children)
          in.emplace_back(r);
        std::vector<double> record;
        CellRecord          out(record);

        out.put(take_parent_q1_unknowns(d.fe, in));

        // Each array of the children in turn: 0 points, 1 eigen_volume,
        // 2-4 films, 5 opening; then the band flag.
        std::vector<std::vector<std::vector<double>>> arrays(6);
        std::vector<bool>                             band;
        for (auto &r : in)
          {
            for (auto &array : arrays)
              array.push_back(r.take());
            band.push_back(r.take_one() > 0.5);
          }
        const bool any_band =
          std::find(band.begin(), band.end(), true) != band.end();
        for (unsigned int k = 0; k < arrays.size(); ++k)
          {
            // A film is the mean over the band children (those on its
            // interface). Point q of the parent lies in child q and gets
            // its mean (the inverse of split_record); another rule: the
            // mean over all children.
            const bool film = k >= 2 && k <= 4;
            if (!film && nq == arrays[k].size())
              {
                const auto by_point = point_means_by_point(arrays[k], nq);
                if (!by_point.empty())
                  {
                    out.put(by_point);
                    continue;
                  }
              }
            std::vector<std::vector<double>> parts;
            for (unsigned int c = 0; c < arrays[k].size(); ++c)
              if (!film || !any_band || band[c])
                parts.push_back(arrays[k][c]);
            out.put(repeat_points(mean_of_point_means(parts, nq), nq));
          }
        out.put(any_band ? 1.0 : 0.0);
        return record;
      }
  }

  template <int dim>
  void
  CellMechanics<dim>::remesh(
    const std::map<std::string, std::vector<double>> &cells)
  {
    setup();
    load_state(cells);
    // A node that hangs since a coarsening holds the value of the fine
    // side; the hanging-node constraints make the field continuous.
    Impl &d = *impl;
    d.constraints.distribute(d.solution);
    d.ghosted = d.solution;
  }

  template class CellMechanics<1>;
  template class CellMechanics<2>;
  template class CellMechanics<3>;
} // namespace anodeless
