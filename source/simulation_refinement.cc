// Adaptive refinement of a run's mesh: mark, carry the states over, set the
// fields up again; and the rebuild of an adapted mesh on resume.
#include <deal.II/grid/tria.h>

#include <deal.II/lac/vector.h>

#include <anodeless/geometry/mesh_refinement.h>
#include <anodeless/simulation_impl.h>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  void
  Simulation<dim>::adapt_mesh()
  {
    if constexpr (dim > 1)
      {
        const auto start      = std::chrono::steady_clock::now();
        auto      &tria       = *mesh.triangulation;
        const auto indicators = electrochemistry->refinement_indicators();
        const Vector<float> criteria(indicators.begin(), indicators.end());
        if (!mark_cells(tria,
                        criteria,
                        electrochemistry->cells_to_resolve(),
                        parameters.refinement))
          return;

        const auto cells_before = tria.n_global_active_cells();
        execute_refinement(tria, *electrochemistry, mechanics.get());
        films_before_step = electrochemistry->film_thickness();
        last_step_length  = 0; // the cells have changed
        // The electrochemistry's coupling fields live on the cells.
        if (mechanics)
          electrochemistry->apply_mechanics(mechanics->coupling());

        ++statistics.mesh_adaptations;
        statistics.adaptation_wall +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
            .count();
        if (parameters.output.verbosity == Verbosity::detailed)
          {
            const auto dofs = electrochemistry->n_dofs();
            pcout << "  mesh adapted at t = " << time << " s: " << cells_before
                  << " -> " << tria.n_global_active_cells() << " cells, "
                  << dofs.first + dofs.second << " unknowns\n";
          }
      }
  }

  template <int dim>
  void
  Simulation<dim>::rebuild_adapted_mesh()
  {
    if constexpr (dim > 1)
      {
        if (!checkpoint_found || !parameters.refinement.adaptive)
          return;
        std::vector<std::string> cells;
        for (const auto &[id, record] :
             checkpoint_found->cells["electrochemistry"])
          if (id != "global")
            cells.push_back(id);
        refine_to_cells(*mesh.triangulation, cells);
      }
  }

  template class Simulation<1>;
  template class Simulation<2>;
  template class Simulation<3>;
} // namespace anodeless
