// Adaptive refinement carries the electrochemical state over: the Li in
// every host (particles, carbon, films, dead Li, SEI) is conserved across a
// refinement and a coarsening to 1e-10, refining and coarsening back
// returns the potentials exactly, the interfaces between layers stay
// conforming, and the cell solves on the adapted mesh with its Li balance.
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
    const auto original = unknowns_by_cell(cell);

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

  Registrar
    r("adaptive_refinement_conserves_li", adaptive_refinement_conserves_li);
} // namespace
