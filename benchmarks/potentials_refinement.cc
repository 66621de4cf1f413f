// Benchmark (a): the potentials alone (phi_s, phi_e with the reactions) on
// the layered stack of the patent's Example and uniform refinements of it,
// in 2D and 3D, against a plain Poisson solve (Q1 Laplacian, CG + hypre
// BoomerAMG, the same relative tolerance) on the same mesh. For each mesh:
// cells, unknowns, Newton iterations and CG iterations per Newton iteration
// of a 1 s step at 0.1C, the time of its assembly per Newton iteration and
// of its linear solves per unknown and per Newton iteration, the time of
// the whole step, and the Poisson solve's CG iterations and time per
// unknown.
//
//   potentials_refinement DIM FIRST_LEVEL LAST_LEVEL
//   [iterative|falgout|symmetric|direct]
//
// Run by benchmarks/run --potentials DIM FIRST LAST; not a test.
#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>

#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>

#include <deal.II/grid/tria.h>

#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/petsc_precondition.h>
#include <deal.II/lac/petsc_solver.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/sparsity_tools.h>

#include <deal.II/numerics/vector_tools.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/electrochemistry/cell_electrochemistry.h>
#include <anodeless/geometry/conducting_spots.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>

#include "benchmark_common.h"

#include <chrono>
#include <iostream>
#include <string>

using namespace anodeless;
using namespace dealii;

namespace
{
  struct PoissonResult
  {
    types::global_dof_index unknowns;
    unsigned int            iterations;
    double                  seconds; ///< AMG set-up and CG
  };

  /// -Laplace u = 1 on the whole stack, u = 0 on its bottom.
  template <int dim>
  PoissonResult
  plain_poisson(const Triangulation<dim> &triangulation,
                const double              tolerance,
                const MPI_Comm            comm)
  {
    DoFHandler<dim> dof_handler(triangulation);
    const FE_Q<dim> fe(1);
    dof_handler.distribute_dofs(fe);
    const IndexSet owned = dof_handler.locally_owned_dofs();
    IndexSet       relevant;
    DoFTools::extract_locally_relevant_dofs(dof_handler, relevant);
    AffineConstraints<double> constraints(relevant);
    VectorTools::interpolate_boundary_values(dof_handler,
                                             boundary_ids::bottom,
                                             Functions::ZeroFunction<dim>(),
                                             constraints);
    constraints.close();
    DynamicSparsityPattern dsp(relevant);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, owned, comm, relevant);
    PETScWrappers::MPI::SparseMatrix matrix;
    matrix.reinit(owned, owned, dsp, comm);
    PETScWrappers::MPI::Vector rhs(owned, comm), solution(owned, comm);

    const QGauss<dim>                    quadrature(2);
    FEValues<dim>                        values(fe,
                         quadrature,
                         update_gradients | update_values | update_JxW_values);
    const unsigned int                   n = fe.n_dofs_per_cell();
    FullMatrix<double>                   local_matrix(n, n);
    Vector<double>                       local_rhs(n);
    std::vector<types::global_dof_index> dofs(n);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          values.reinit(cell);
          local_matrix = 0;
          local_rhs    = 0;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int i = 0; i < n; ++i)
              {
                for (unsigned int j = 0; j < n; ++j)
                  local_matrix(i, j) += values.shape_grad(i, q) *
                                        values.shape_grad(j, q) * values.JxW(q);
                local_rhs(i) += values.shape_value(i, q) * values.JxW(q);
              }
          cell->get_dof_indices(dofs);
          constraints.distribute_local_to_global(local_matrix,
                                                 local_rhs,
                                                 dofs,
                                                 matrix,
                                                 rhs);
        }
    matrix.compress(VectorOperation::add);
    rhs.compress(VectorOperation::add);

    const auto    start = std::chrono::steady_clock::now();
    SolverControl control(5000, tolerance * rhs.l2_norm());
    PETScWrappers::PreconditionBoomerAMG::AdditionalData data;
    data.symmetric_operator = true;
    PETScWrappers::PreconditionBoomerAMG amg(matrix, data);
    PETScWrappers::SolverCG              solver(control, comm);
    solver.solve(matrix, solution, rhs, amg);
    return {dof_handler.n_dofs(),
            control.last_step(),
            benchmark::seconds_since(start)};
  }

  template <int dim>
  void
  run(const unsigned int first,
      const unsigned int last,
      const std::string &solver)
  {
    // The Example's defaults, a 20 um window, CG + AMG for the potentials.
    // Every linear solve to 'Linear tolerance', as the Poisson solve: the
    // CG iterations then measure the multigrid, not the Newton forcing.
    // 'falgout': the iterative solver with BoomerAMG's Falgout coarsening
    // instead of the default HMIS; 'symmetric': with symmetric
    // Gauss-Seidel sweeps instead of the default forward/backward pair.
    const bool        falgout   = solver == "falgout";
    const bool        symmetric = solver == "symmetric";
    const std::string prm =
      "set Dimension = " + std::to_string(dim) +
      "\nsubsection Electrochemistry\n"
      " subsection Solver\n"
      "  set Forcing = fixed\n"
      "  set Linear solver = " +
      (falgout || symmetric ? std::string("iterative") : solver) +
      "\n  set AMG coarsening = " + (falgout ? "Falgout" : "HMIS") +
      "\n  set AMG smoother = " +
      (symmetric ? "symmetric Gauss-Seidel" : "Gauss-Seidel") + "\n end\nend\n";
    const auto parameters = parse_run_parameters(prm, "benchmark.prm", dim);
    const LayerStack stack(parameters->stack);
    const MPI_Comm   comm = MPI_COMM_WORLD;
    const bool       root = Utilities::MPI::this_mpi_process(comm) == 0;
    for (unsigned int level = first; level <= last; ++level)
      {
        StackMesh<dim> mesh(comm);
        make_stack_mesh(*mesh.triangulation, stack, parameters->stack);
        // Weighted as a run without the mechanics weighs it.
        weigh_partition(*mesh.triangulation,
                        parameters->refinement.electrode_weight(false));
        refine_uniformly(*mesh.triangulation, level);
        place_conducting_spots(*mesh.triangulation,
                               stack,
                               parameters->stack,
                               parameters->electrochemistry.halide);
        CellElectrochemistry<dim> cell(*parameters,
                                       stack,
                                       mesh,
                                       parameters->protocol.temperature);
        auto                      start = std::chrono::steady_clock::now();
        cell.setup();
        const double setup = benchmark::seconds_since(start);
        // Three 1 s steps of a 0.1C charge (charge currents are negative).
        const double current = -0.1 * cell.one_c_current_density();
        unsigned int newton = 0, linear = 0;
        double       solves = 0, assemblies = 0, steps = 0;
        for (unsigned int k = 0; k < 3; ++k)
          {
            start = std::chrono::steady_clock::now();
            const auto result =
              cell.solve_step(1.0,
                              CellElectrochemistry<dim>::Control::current,
                              current);
            if (!result.converged)
              throw std::runtime_error("the step did not converge: " +
                                       result.failure);
            cell.commit();
            steps += benchmark::seconds_since(start);
            newton += result.newton_iterations;
            linear += result.linear_iterations;
            solves += result.linear_solve_time;
            assemblies += result.assembly_time;
          }
        const auto [phi_s, phi_e] = cell.n_dofs();
        const double unknowns     = phi_s + phi_e;
        // The Poisson problem has one unknown per node everywhere: its own
        // mesh, partitioned by cells.
        StackMesh<dim> plain_mesh(comm);
        make_stack_mesh(*plain_mesh.triangulation, stack, parameters->stack);
        plain_mesh.triangulation->refine_global(level);
        const auto poisson = plain_poisson<dim>(
          *plain_mesh.triangulation,
          parameters->electrochemistry.solver.linear_tolerance,
          comm);
        const double peak = benchmark::peak_memory(comm);
        if (root)
          std::cout << "| " << dim << "D | " << level << " | "
                    << mesh.triangulation->n_global_active_cells() << " | "
                    << unknowns << " | " << setup << " | " << newton / 3.0
                    << " | " << double(linear) / newton << " | "
                    << assemblies / newton << " | "
                    << solves / newton / unknowns * 1e6 << " | " << steps / 3
                    << " | " << poisson.unknowns << " | " << poisson.iterations
                    << " | " << poisson.seconds / poisson.unknowns * 1e6
                    << " | "
                    << (solves / newton / unknowns) /
                         (poisson.seconds / poisson.unknowns)
                    << " | " << peak << " |" << std::endl;
      }
  }
} // namespace

int
main(int argc, char **argv)
{
  return anodeless::benchmark::main(argc,
                                    argv,
                                    "potentials_refinement",
                                    "iterative|falgout|symmetric|direct",
                                    run<2>,
                                    run<3>);
}
