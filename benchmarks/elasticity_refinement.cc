// Benchmark (b): the displacement solve of the stack's mechanics alone, on
// the layered stack and uniform refinements of it, in 2D (plane strain) and
// 3D. For each mesh: cells, unknowns, CG iterations (the solver's multigrid:
// the geometric one on the mesh levels for 'iterative', smoothed-aggregation
// AMG with the rigid-body modes for 'algebraic'), wall time of the set-up
// (DoFs, sparsity, matrix) and of one mounted solve (assembly,
// preconditioner set-up, CG), of its assemblies and its linear solves, the
// solve per unknown, and the peak memory of the process.
//
//   elasticity_refinement DIM FIRST_LEVEL LAST_LEVEL
//                         [iterative|w-cycle|algebraic|direct|hypre]
//
// Run by benchmarks/run --elasticity DIM FIRST LAST; not a test.
#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>

#include <deal.II/grid/tria.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>
#include <anodeless/mechanics/cell_mechanics.h>

#include "benchmark_common.h"

#include <chrono>
#include <iostream>
#include <string>

using namespace anodeless;

namespace
{
  template <int dim>
  void
  run(const unsigned int first,
      const unsigned int last,
      const std::string &solver)
  {
    // The stack of the mechanics tests: a narrow window, laterally confined,
    // 10 MPa on the top plate, no press (it would only add load steps).
    // w-cycle: the geometric multigrid with the W-cycle everywhere.
    const bool        w_cycle = solver == "w-cycle";
    const std::string prm =
      "subsection Mechanics\n set Linear solver = " +
      (w_cycle ? std::string("iterative\n set Multigrid cycle = W") : solver) +
      "\n subsection Press\n  set Enabled = false\n end\n"
      " subsection Fixture\n  set Type = constant pressure\n"
      "  set Stack pressure = 10e6\n  set Lateral constraint = confined\n"
      " end\nend\n"
      "subsection Stack\n set Lateral cells = 2\n set Depth cells = 2\n"
      " set Lateral width = 5e-6\n set Lateral depth = 5e-6\nend\n"
      "subsection Electrochemistry\n subsection Halide layer\n"
      "  set Spot size = 5e-6\n end\nend\n";
    const auto parameters = parse_run_parameters(prm, "benchmark.prm", dim);
    const LayerStack stack(parameters->stack);
    const bool       root =
      dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
    for (unsigned int level = first; level <= last; ++level)
      {
        StackMesh<dim> mesh(MPI_COMM_WORLD);
        make_stack_mesh(*mesh.triangulation, stack, parameters->stack);
        mesh.triangulation->refine_global(level);
        auto               start = std::chrono::steady_clock::now();
        CellMechanics<dim> mechanics(*parameters, stack, mesh, 318.15);
        mechanics.setup();
        const double setup = benchmark::seconds_since(start);
        start              = std::chrono::steady_clock::now();
        mechanics.mount();
        const double solve            = benchmark::seconds_since(start);
        const double peak             = benchmark::peak_memory(MPI_COMM_WORLD);
        const auto [assembly, linear] = mechanics.last_solve_times();
        if (root)
          std::cout << "| " << dim << "D | " << level << " | "
                    << mesh.triangulation->n_global_active_cells() << " | "
                    << mechanics.n_dofs() << " | "
                    << mechanics.last_linear_iterations() << " | "
                    << mechanics.last_linear_solves() << " | " << setup << " | "
                    << solve << " | " << assembly << " | " << linear << " | "
                    << solve / mechanics.n_dofs() * 1e6 << " | " << peak << " |"
                    << std::endl;
      }
  }
} // namespace

int
main(int argc, char **argv)
{
  return anodeless::benchmark::main(argc,
                                    argv,
                                    "elasticity_refinement",
                                    "iterative|w-cycle|direct|algebraic|hypre",
                                    run<2>,
                                    run<3>);
}
