// The refinement indicator vanishes where a layer's potential is linear.
// Adaptive refinement carries the electrochemical state over: the Li in
// every host (particles, carbon, films, dead Li, SEI) is conserved across a
// refinement and a coarsening to 1e-10, refining and coarsening back
// returns the potentials and every point state exactly (each child takes
// the state of the parent's point inside it), the interfaces between layers
// stay conforming, and the cell solves on the adapted mesh with its Li balance.
#include <deal.II/base/mpi.h>

#include <deal.II/distributed/tria.h>

#include <deal.II/lac/vector.h>

#include <anodeless/geometry/mesh_refinement.h>
#include <anodeless/geometry/refinement_parameters.h>
#include <anodeless/io/checkpoint.h>

#include <cell_fixture.h>
#include <testing.h>

using namespace anodeless;
using namespace anodeless::testing;

namespace
{
  const std::string example_2d = R"(
set Dimension = 2
subsection Mechanics
  set Enabled = false
end
)";

  using Control = CellElectrochemistry<2>::Control;

  /// Li per host and in total (mol), summed over the ranks by inventory().
  std::vector<double>
  hosts(const LiInventory &i)
  {
    return {i.cathode, i.carbon, i.films, i.dead, i.sei, i.total()};
  }

  void
  check_conserved(const LiInventory &before,
                  const LiInventory &after,
                  const std::string &when)
  {
    const auto        a     = hosts(before);
    const auto        b     = hosts(after);
    const double      scale = before.total();
    const char *const names[] =
      {"cathode", "carbon", "films", "dead Li", "SEI", "total"};
    for (unsigned int k = 0; k < a.size(); ++k)
      check_relative(b[k], a[k], 1e-10, when + ": Li in " + names[k], scale);
  }

  std::map<std::string, std::vector<double>>
  unknowns_by_cell(const CellElectrochemistry<2> &cell)
  {
    std::map<std::string, std::vector<double>> records, unknowns;
    cell.save_state(records);
    records.erase("global");
    for (const auto &[id, record] : records)
      unknowns[id] = CellRecord(record).take();
    return unknowns;
  }

  /// Each cell's arrays (potentials, then the point states) by cell id.
  std::map<std::string, std::vector<std::vector<double>>>
  records_by_cell(const CellElectrochemistry<2> &cell)
  {
    std::map<std::string, std::vector<double>> records;
    cell.save_state(records);
    records.erase("global");
    std::map<std::string, std::vector<std::vector<double>>> arrays;
    for (const auto &[id, record] : records)
      for (CellRecord r(record); !r.exhausted();)
        arrays[id].push_back(r.take());
    return arrays;
  }

  void
  adaptive_refinement_conserves_li()
  {
    CellFixture<2> fixture(example_2d);
    auto          &cell     = *fixture.cell;
    auto          &tria     = *fixture.mesh.triangulation;
    const auto     n_coarse = tria.n_global_active_cells();

    // Charge at 2C until Li plates past the carbon's capacity.
    const double current = -2 * cell.one_c_current_density();
    double       films   = 0;
    for (unsigned int step = 0; step < 40 && films < 0.2e-6; ++step)
      {
        const auto r = cell.solve_step(10.0, Control::current, current);
        check(r.converged, "charge step converged: " + r.failure);
        cell.commit();
        cell.open_nucleation_gates(1e-3);
        films = 0;
        for (const auto &s : cell.interface_summaries())
          films += s.mean_thickness;
      }
    check(films > 0.2e-6, "Li has plated before the mesh is adapted");
    const auto original        = unknowns_by_cell(cell);
    const auto original_states = records_by_cell(cell);

    RefinementParameters parameters;
    parameters.maximum_level    = 2;
    parameters.refine_fraction  = 0.3;
    parameters.coarsen_fraction = 0.0;
    for (unsigned int round = 1; round <= 2; ++round)
      {
        const auto before     = cell.inventory();
        const auto indicators = cell.refinement_indicators();
        check(mark_cells(tria,
                         dealii::Vector<float>(indicators.begin(),
                                               indicators.end()),
                         cell.cells_to_resolve(),
                         parameters),
              "cells are flagged");
        execute_refinement(tria, cell);
        check(interfaces_conforming(tria),
              "interfaces between layers conforming after refinement");
        check_conserved(before,
                        cell.inventory(),
                        "refinement " + std::to_string(round));
        log() << "refinement " << round << ": " << tria.n_global_active_cells()
              << " cells, total Li " << cell.inventory().total() << " mol\n";
      }
    check(tria.n_global_active_cells() > 2 * n_coarse,
          "the refinements added cells");

    // Coarsen back to the layer mesh.
    while (tria.n_global_active_cells() > n_coarse)
      {
        const auto before = cell.inventory();
        for (const auto &c : tria.active_cell_iterators())
          if (c->is_locally_owned() && c->level() > 0)
            c->set_coarsen_flag();
        execute_refinement(tria, cell);
        check(interfaces_conforming(tria),
              "interfaces between layers conforming after coarsening");
        check_conserved(before, cell.inventory(), "coarsening");
      }
    const auto   returned = unknowns_by_cell(cell);
    unsigned int compared = 0;
    double       largest = 0, worst = 0;
    for (const auto &[id, values] : original)
      {
        const auto found = returned.find(id);
        if (found == returned.end())
          continue;
        check(found->second.size() == values.size(), "unknowns of " + id);
        for (unsigned int i = 0; i < values.size(); ++i)
          {
            worst   = std::max(worst, std::abs(found->second[i] - values[i]));
            largest = std::max(largest, std::abs(values[i]));
          }
        ++compared;
      }
    check(dealii::Utilities::MPI::sum(compared, MPI_COMM_WORLD) >= n_coarse,
          "the coarsened mesh is the layer mesh");
    worst = dealii::Utilities::MPI::max(worst, MPI_COMM_WORLD);
    check(worst <= 1e-15 * largest,
          "potentials after refining and coarsening back differ by " +
            describe(worst) + " V");

    // The point states vary within a cell after the charge (checked below):
    // the round trip keeps them, where a parent's mean would have smoothed
    // them. (A record ends with the potentials before the last step, which
    // a remeshing drops.)
    const auto   returned_states = records_by_cell(cell);
    double       worst_state = 0, largest_spread = 0;
    unsigned int compared_states = 0;
    for (const auto &[id, arrays] : original_states)
      {
        const auto found = returned_states.find(id);
        if (found == returned_states.end())
          continue;
        const unsigned int n = std::min(arrays.size(), found->second.size());
        for (unsigned int k = 1; k < n; ++k)
          {
            const auto &a = arrays[k];
            const auto &b = found->second[k];
            check(a.size() == b.size(), "point array sizes of " + id);
            for (unsigned int i = 0; i < std::min(a.size(), b.size()); ++i)
              worst_state = std::max(worst_state,
                                     std::abs(b[i] - a[i]) /
                                       std::max(std::abs(a[i]), 1e-300));
          }
        compared_states += n > 1;
        if (arrays.size() < 2)
          continue;
        // How much the point states (the first array: the particles or the
        // carbon) vary over the cell's 4 points.
        const auto  &states = arrays[1];
        const size_t stride = states.size() / 4;
        for (size_t k = 0; k < stride; ++k)
          {
            double low = states[k], high = states[k];
            for (unsigned int q = 1; q < 4; ++q)
              {
                low  = std::min(low, states[q * stride + k]);
                high = std::max(high, states[q * stride + k]);
              }
            largest_spread =
              std::max(largest_spread,
                       (high - low) / std::max(std::abs(high), 1e-300));
          }
      }
    compared_states =
      dealii::Utilities::MPI::sum(compared_states, MPI_COMM_WORLD);
    worst_state = dealii::Utilities::MPI::max(worst_state, MPI_COMM_WORLD);
    largest_spread =
      dealii::Utilities::MPI::max(largest_spread, MPI_COMM_WORLD);
    check(compared_states >= n_coarse, "every cell's point states compared");
    check(largest_spread > 1e-6,
          "the point states vary within a cell (largest relative spread " +
            describe(largest_spread) + ")");
    check(worst_state <= 1e-14,
          "point states after refining and coarsening back differ by " +
            describe(worst_state) + " (relative)");
    log() << "round trip: point states within " << worst_state
          << " (relative), their largest spread within a cell "
          << largest_spread << "\n";

    // Refine once more and go on charging on the adapted mesh: the Li
    // leaving the cathode is the Li arriving at the anode.
    parameters.refine_fraction = 0.5;
    const auto indicators      = cell.refinement_indicators();
    mark_cells(tria,
               dealii::Vector<float>(indicators.begin(), indicators.end()),
               cell.cells_to_resolve(),
               parameters);
    execute_refinement(tria, cell);
    const auto before = cell.inventory();
    for (unsigned int step = 0; step < 3; ++step)
      {
        const auto r = cell.solve_step(10.0, Control::current, current);
        check(r.converged, "charge step on the adapted mesh: " + r.failure);
        cell.commit();
      }
    check_relative(cell.inventory().total(),
                   before.total(),
                   1e-10,
                   "Li in the cell after charging on the adapted mesh");
    check(cell.inventory().cathode < before.cathode - 1e-12,
          "the charge moved Li out of the cathode");
  }

  /// Largest indicator over the owned cells of one role (or of all).
  double
  largest_indicator(const CellFixture<2>     &fixture,
                    const std::vector<float> &indicators,
                    const LayerRole          *role)
  {
    double largest = 0;
    for (const auto &c : fixture.mesh.triangulation->active_cell_iterators())
      if (c->is_locally_owned() &&
          (role == nullptr || role_of_material_id(c->material_id()) == *role))
        largest = std::max<double>(largest, indicators[c->active_cell_index()]);
    return dealii::Utilities::MPI::max(largest, MPI_COMM_WORLD);
  }

  // In a laterally uniform cell without reactions in a layer, the layer's
  // potential is linear through the thickness: the jumps of its current
  // density between cells vanish, on a conforming mesh and across the
  // hanging faces of a refined one, while the reacting cathode has them.
  void
  refinement_indicator_linear_fields()
  {
    CellFixture<2> fixture(example_2d + R"(
subsection Stack
  subsection Halide layer
    set Thickness = 0
  end
end
)");
    auto          &cell      = *fixture.cell;
    auto          &tria      = *fixture.mesh.triangulation;
    const double   current   = -cell.one_c_current_density();
    const auto     separator = LayerRole::separator;
    for (unsigned int round = 0; round < 2; ++round)
      {
        const auto r = cell.solve_step(10.0, Control::current, current);
        check(r.converged, "charge step converged: " + r.failure);
        cell.commit();
        const auto   indicators = cell.refinement_indicators();
        const double all  = largest_indicator(fixture, indicators, nullptr);
        const double flat = largest_indicator(fixture, indicators, &separator);
        log() << "mesh " << round << ": largest indicator " << all
              << ", in the separator " << flat << "\n";
        check(all > 0, "the reacting layers have current-density jumps");
        check(flat <= 1e-9 * all,
              "indicator in the separator (linear phi_e) " + describe(flat) +
                " against " + describe(all) + " elsewhere");

        // Refine the lower half of the separator, whole rows so that the
        // cell stays laterally uniform: hanging faces inside the layer.
        // (Refining its left half instead resolves the reactions better
        // on the left, and the separator's current is then no longer
        // uniform: its indicator rises to 0.13 of the cathode's.)
        const auto &layer = fixture.stack.layer(separator);
        for (const auto &c : tria.active_cell_iterators())
          if (c->is_locally_owned() &&
              role_of_material_id(c->material_id()) == separator &&
              c->center()[1] < 0.5 * (layer.y_bottom + layer.y_top))
            c->set_refine_flag();
        execute_refinement(tria, cell);
      }
  }

  Registrar
    r("adaptive_refinement_conserves_li", adaptive_refinement_conserves_li);
  Registrar r2("refinement_indicator_linear_fields",
               refinement_indicator_linear_fields);
} // namespace
