// Geometric multigrid with Galerkin coarse operators for the displacement
// solve (see the header).
#include <deal.II/base/mpi.h>

#include <deal.II/distributed/tria_base.h>

#include <deal.II/fe/fe.h>

#include <deal.II/grid/tria.h>

#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/solver_control.h>

#include <Epetra_MultiVector.h>
#include <Ifpack_PointRelaxation.h>
#include <Teuchos_ParameterList.hpp>

#include <anodeless/core/errors.h>
#include <anodeless/mechanics/galerkin_multigrid.h>
#include <anodeless/mechanics/line_relaxation.h>

#include <stdexcept>
#include <tuple>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  std::vector<double>
  rigid_body_modes(const DoFHandler<dim>          &dof_handler,
                   const IndexSet                 &owned,
                   std::vector<std::vector<bool>> &constant_modes,
                   const unsigned int              level)
  {
    const auto         &fe      = dof_handler.get_fe();
    const unsigned int  n_modes = dim == 2 ? 3 : 6;
    const unsigned int  n       = owned.n_elements();
    std::vector<double> modes(n_modes * n, 0.0);
    constant_modes.assign(dim, std::vector<bool>(n, false));
    std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
    const auto                           add = [&](const auto &cell) {
      for (unsigned int i = 0; i < dofs.size(); ++i)
        {
          if (!owned.is_element(dofs[i]))
            continue;
          const unsigned int row = owned.index_within_set(dofs[i]);
          const auto [c, vertex] = fe.system_to_component_index(i);
          // Q1: the support points are the vertices.
          const Point<dim> x = cell->vertex(vertex);
          constant_modes[c][row] = true;
          modes[c * n + row] = 1.0; // translation c
          if (dim == 2)
            modes[2 * n + row] = c == 0 ? -x[1] : x[0];
          else
            {
              // rotations about x, y, z
              const double r[3][3] = {{0, -x[2 % dim], x[1 % dim]},
                                      {x[2 % dim], 0, -x[0]},
                                      {-x[1 % dim], x[0], 0}};
              for (unsigned int k = 0; k < 3; ++k)
                modes[(3 + k) * n + row] = r[k][c];
            }
        }
    };
    if (level == numbers::invalid_unsigned_int)
      {
        for (const auto &cell : dof_handler.active_cell_iterators())
          if (!cell->is_artificial())
            {
              cell->get_dof_indices(dofs);
              add(cell);
            }
      }
    else
      for (const auto &cell : dof_handler.mg_cell_iterators_on_level(level))
        if (cell->level_subdomain_id() != numbers::artificial_subdomain_id)
          {
            cell->get_mg_dof_indices(dofs);
            add(cell);
          }
    return modes;
  }

  void
  initialize_elasticity_amg(
    TrilinosWrappers::PreconditionAMG    &amg,
    const TrilinosWrappers::SparseMatrix &matrix,
    const std::vector<std::vector<bool>> &constant_modes,
    const std::vector<double>            &modes)
  {
    TrilinosWrappers::PreconditionAMG::AdditionalData data;
    data.elliptic              = true;
    data.higher_order_elements = false;
    // Thin layers (250 nm against lateral cells of micrometres) make the
    // operator anisotropic; symmetric Gauss-Seidel smoothing handles that
    // better than Chebyshev (39-64 iterations), a W-cycle with four sweeps
    // keeps the count from growing under refinement, and aggregating across
    // all couplings (threshold 0 instead of 1e-4) helps further. 2D stack,
    // 3k to 179k unknowns: 18, 23, 26, 27 iterations and 3.7 s at 179k,
    // against 20, 27, 34, 36 and 4.8 s with the default threshold and 27,
    // 37, 46, 58 with a V-cycle and two sweeps.
    data.smoother_type         = "symmetric Gauss-Seidel";
    data.smoother_sweeps       = 4;
    data.w_cycle               = true;
    data.aggregation_threshold = 0.0;
    data.constant_modes        = constant_modes;
    Teuchos::ParameterList              list;
    std::unique_ptr<Epetra_MultiVector> translations;
    data.set_parameters(list, translations, matrix);
    if (!modes.empty())
      {
        const std::size_t n =
          constant_modes.empty() ? 0 : constant_modes[0].size();
        list.set("null space: type", "pre-computed");
        list.set("null space: dimension",
                 static_cast<int>(modes.size() / std::max<std::size_t>(n, 1)));
        // ML reads the vectors while it sets up; they outlive the call.
        list.set("null space: vectors", const_cast<double *>(modes.data()));
      }
    amg.initialize(matrix, list);
  }

  template <int dim>
  bool
  GalerkinMultigrid<dim>::applicable(const DoFHandler<dim> &dof_handler)
  {
    const auto &tria = dof_handler.get_triangulation();
    const auto *distributed =
      dynamic_cast<const parallel::TriangulationBase<dim> *>(&tria);
    if (distributed == nullptr ||
        !distributed->is_multilevel_hierarchy_constructed())
      return false;
    const unsigned int finest    = tria.n_global_levels() - 1;
    unsigned int       off_level = 0;
    for (const auto &cell : tria.active_cell_iterators())
      if (cell->is_locally_owned() &&
          static_cast<unsigned int>(cell->level()) != finest)
        ++off_level;
    return finest > 0 &&
           Utilities::MPI::sum(off_level, tria.get_communicator()) == 0;
  }

  template <int dim>
  const TrilinosWrappers::SparseMatrix &
  GalerkinMultigrid<dim>::matrix(const unsigned int level) const
  {
    return level == coarse_matrices.size() ? *fine_matrix :
                                             coarse_matrices[level];
  }

  template <int dim>
  void
  GalerkinMultigrid<dim>::initialize(
    const DoFHandler<dim>                &dof_handler,
    const AffineConstraints<double>      &constraints,
    const TrilinosWrappers::SparseMatrix &fine,
    const unsigned int                    n_sweeps,
    const types::global_dof_index         coarse_direct_limit,
    const bool                            line_smoother,
    const bool                            keep_transfer,
    const bool                            w_cycle_wanted)
  {
    const auto        &tria   = dof_handler.get_triangulation();
    const MPI_Comm     comm   = tria.get_communicator();
    const unsigned int finest = tria.n_global_levels() - 1;
    const auto        &fe     = dof_handler.get_fe();
    const unsigned int n      = fe.n_dofs_per_cell();
    sweeps                    = n_sweeps;
    w_cycle                   = w_cycle_wanted;
    fine_matrix               = &fine;
    // The interpolation takes longer than the Galerkin products (2.2 s
    // against 1.5 s in the 2D Example at 111k unknowns): kept while the mesh
    // and the constraints stay.
    const bool new_transfer = !keep_transfer || prolongation.size() != finest;
    if (new_transfer)
      {
        prolongation.clear();
        prolongation.resize(finest);
      }
    coarse_matrices.clear();
    coarse_matrices.resize(finest);

    std::vector<IndexSet> owned(finest + 1);
    for (unsigned int l = 0; l < finest; ++l)
      owned[l] = dof_handler.locally_owned_mg_dofs(l);
    owned[finest] = dof_handler.locally_owned_dofs();

    std::vector<types::global_dof_index> parent_dofs(n), child_dofs(n);
    for (unsigned int l = 0; new_transfer && l < finest; ++l)
      {
        const bool             to_active = l + 1 == finest;
        const IndexSet        &rows      = owned[l + 1];
        DynamicSparsityPattern pattern(rows.size(), owned[l].size(), rows);
        std::vector<
          std::tuple<types::global_dof_index, types::global_dof_index, double>>
          entries;
        for (const auto &cell : dof_handler.mg_cell_iterators_on_level(l))
          {
            if (!cell->has_children() ||
                cell->level_subdomain_id() == numbers::artificial_subdomain_id)
              continue;
            cell->get_mg_dof_indices(parent_dofs);
            for (unsigned int c = 0; c < cell->n_children(); ++c)
              {
                const auto child = cell->child(c);
                if (to_active)
                  {
                    if (child->is_artificial())
                      continue;
                    child->get_dof_indices(child_dofs);
                  }
                else
                  {
                    if (child->level_subdomain_id() ==
                        numbers::artificial_subdomain_id)
                      continue;
                    child->get_mg_dof_indices(child_dofs);
                  }
                const auto &interpolation = fe.get_prolongation_matrix(
                  c,
                  RefinementCase<dim>::isotropic_refinement);
                for (unsigned int i = 0; i < n; ++i)
                  {
                    // The coarse spaces hold only what the constraints of
                    // the active mesh allow: its constrained unknowns are
                    // set by the constraints, not by coarse corrections.
                    if (!rows.is_element(child_dofs[i]) ||
                        (to_active &&
                         constraints.is_constrained(child_dofs[i])))
                      continue;
                    for (unsigned int j = 0; j < n; ++j)
                      if (std::abs(interpolation(i, j)) > 1e-12)
                        {
                          pattern.add(child_dofs[i], parent_dofs[j]);
                          entries.emplace_back(child_dofs[i],
                                               parent_dofs[j],
                                               interpolation(i, j));
                        }
                  }
              }
          }
        // Every owned unknown that is free must be reached from its parent
        // cell; a missing parent would leave a hole in the coarse space.
        for (const auto row : rows)
          if (pattern.row_length(row) == 0 &&
              !(to_active && constraints.is_constrained(row)))
            throw std::runtime_error(
              "geometric multigrid: no parent cell for unknown " +
              std::to_string(row) + " on level " + std::to_string(l + 1));
        prolongation[l].reinit(rows, owned[l], pattern, comm, true);
        for (const auto &[row, column, value] : entries)
          prolongation[l].set(row, column, value);
        prolongation[l].compress(VectorOperation::insert);
      }

    // Galerkin coarse operators, finest first.
    for (unsigned int l = finest; l-- > 0;)
      {
        TrilinosWrappers::SparseMatrix product;
        matrix(l + 1).mmult(product, prolongation[l]);
        prolongation[l].Tmmult(coarse_matrices[l], product);
      }

    smoothers.clear();
    smoothers.resize(finest + 1);
    const bool vertex_unknowns =
      fe.n_dofs_per_vertex() == dim &&
      fe.n_dofs_per_cell() == dim * GeometryInfo<dim>::vertices_per_cell;
    for (unsigned int l = 1; l <= finest; ++l)
      {
        // In 2D only: in 3D a line along x leaves the cells' second short
        // side to the point relaxation, and the multigrid's iterations grew
        // by 1.33x over the elasticity series (6, 7, 8) against 1.29x.
        if (line_smoother && vertex_unknowns && dim == 2)
          {
            // Where each local row's unknown sits: lines run along x, at
            // one height.
            const auto            &matrix_l = matrix(l).trilinos_matrix();
            const auto            &rows     = matrix_l.RowMap();
            std::vector<LinePlace> places(matrix_l.NumMyRows());
            std::vector<types::global_dof_index> dofs(n);
            const auto                           place = [&](const auto &cell) {
              for (unsigned int i = 0; i < n; ++i)
                {
                  const int row = rows.GlobalIndicesInt() ?
                                                              rows.LID(static_cast<int>(dofs[i])) :
                                                              rows.LID(static_cast<long long>(dofs[i]));
                  if (row < 0 || places[row].known)
                    continue;
                  const auto [component, vertex] =
                    fe.system_to_component_index(i);
                  const Point<dim> &x = cell->vertex(vertex);
                  auto             &p = places[row];
                  p.known             = true;
                  p.height            = x[dim - 1];
                  p.along             = x[0];
                  p.component         = component;
                }
            };
            if (l == finest)
              {
                for (const auto &cell : dof_handler.active_cell_iterators())
                  if (!cell->is_artificial())
                    {
                      cell->get_dof_indices(dofs);
                      place(cell);
                    }
              }
            else
              for (const auto &cell : dof_handler.mg_cell_iterators_on_level(l))
                if (cell->level_subdomain_id() !=
                    numbers::artificial_subdomain_id)
                  {
                    cell->get_mg_dof_indices(dofs);
                    place(cell);
                  }
            auto lines = std::make_unique<LineRelaxation>(matrix_l, places);
            if (Utilities::MPI::logical_or(!lines->ok(), comm))
              throw SolverFailure(
                "the displacement's geometric multigrid: a line of the "
                "smoother on level " +
                std::to_string(l) + " is not positive definite");
            smoothers[l] = std::move(lines);
            continue;
          }
        // Ifpack's relaxation on the matrix itself. One sweep from zero
        // sees zero off-rank values, so each rank sweeps its own rows, as
        // deal.II's SSOR does; but that wraps the rows in a filter Ifpack
        // reads row by row: about 30 % of each rank's time on 2 ranks (2D,
        // 111k unknowns).
        auto relaxation = std::make_unique<Ifpack_PointRelaxation>(
          &matrix(l).trilinos_matrix());
        Teuchos::ParameterList list;
        list.set("relaxation: type", "symmetric Gauss-Seidel");
        list.set("relaxation: sweeps", 1);
        list.set("relaxation: damping factor", 1.0);
        list.set("relaxation: zero starting solution", true);
        // A set-up that fails on one rank must fail on all, so that the
        // step is cut everywhere rather than one rank leaving the solve.
        const bool failed = relaxation->SetParameters(list) != 0 ||
                            relaxation->Initialize() != 0 ||
                            relaxation->Compute() != 0;
        if (Utilities::MPI::logical_or(failed, comm))
          throw SolverFailure(
            "the displacement's geometric multigrid: the Gauss-Seidel "
            "smoother could not be set up on level " +
            std::to_string(l));
        smoothers[l] = std::move(relaxation);
      }
    coarse_solver.reset();
    coarse_amg.reset();
    if (owned[0].size() < coarse_direct_limit)
      {
        coarse_control = std::make_unique<SolverControl>(1, 0);
        coarse_solver =
          std::make_unique<TrilinosWrappers::SolverDirect>(*coarse_control);
        coarse_solver->initialize(coarse_matrices[0]);
      }
    else
      {
        std::vector<std::vector<bool>> constant_modes;
        coarse_modes =
          rigid_body_modes(dof_handler, owned[0], constant_modes, 0);
        coarse_amg = std::make_unique<TrilinosWrappers::PreconditionAMG>();
        initialize_elasticity_amg(*coarse_amg,
                                  coarse_matrices[0],
                                  constant_modes,
                                  coarse_modes);
      }

    residual.resize(finest + 1);
    correction.resize(finest + 1);
    scratch.resize(finest + 1);
    coarse_rhs.resize(finest + 1);
    for (unsigned int l = 0; l <= finest; ++l)
      {
        residual[l].reinit(owned[l], comm);
        correction[l].reinit(owned[l], comm);
        scratch[l].reinit(owned[l], comm);
        coarse_rhs[l].reinit(owned[l], comm);
      }
  }

  template <int dim>
  void
  GalerkinMultigrid<dim>::smooth(const unsigned int                   level,
                                 TrilinosWrappers::MPI::Vector       &x,
                                 const TrilinosWrappers::MPI::Vector &b,
                                 const bool from_zero) const
  {
    for (unsigned int s = 0; s < sweeps; ++s)
      {
        // From zero the first residual is b itself.
        if (s == 0 && from_zero)
          residual[level] = b;
        else
          {
            matrix(level).vmult(residual[level], x);
            residual[level].sadd(-1.0, 1.0, b);
          }
        if (smoothers[level]->ApplyInverse(residual[level].trilinos_vector(),
                                           scratch[level].trilinos_vector()) !=
            0)
          throw std::runtime_error("geometric multigrid: smoothing failed");
        x += scratch[level];
      }
  }

  template <int dim>
  void
  GalerkinMultigrid<dim>::cycle(const unsigned int                   level,
                                TrilinosWrappers::MPI::Vector       &x,
                                const TrilinosWrappers::MPI::Vector &b) const
  {
    if (level == 0)
      {
        if (coarse_solver)
          coarse_solver->solve(x, b);
        else
          coarse_amg->vmult(x, b);
        return;
      }
    x = 0;
    smooth(level, x, b, true);
    // W-cycle: two coarse corrections, each from the current residual
    // (the same as two coarse cycles, the coarse operators being Galerkin).
    const unsigned int corrections = w_cycle && level > 1 ? 2 : 1;
    for (unsigned int k = 0; k < corrections; ++k)
      {
        matrix(level).vmult(residual[level], x);
        residual[level].sadd(-1.0, 1.0, b);
        prolongation[level - 1].Tvmult(coarse_rhs[level - 1], residual[level]);
        cycle(level - 1, correction[level - 1], coarse_rhs[level - 1]);
        prolongation[level - 1].vmult_add(x, correction[level - 1]);
      }
    smooth(level, x, b);
  }

  template <int dim>
  void
  GalerkinMultigrid<dim>::vmult(TrilinosWrappers::MPI::Vector       &dst,
                                const TrilinosWrappers::MPI::Vector &src) const
  {
    cycle(coarse_matrices.size(), dst, src);
  }

  template class GalerkinMultigrid<2>;
  template class GalerkinMultigrid<3>;
  template std::vector<double>
  rigid_body_modes<2>(const DoFHandler<2> &,
                      const IndexSet &,
                      std::vector<std::vector<bool>> &,
                      unsigned int);
  template std::vector<double>
  rigid_body_modes<3>(const DoFHandler<3> &,
                      const IndexSet &,
                      std::vector<std::vector<bool>> &,
                      unsigned int);
} // namespace anodeless
