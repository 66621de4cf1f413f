#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/errors.h>
#include <anodeless/geometry/refinement_parameters.h>

namespace anodeless
{
  void
  RefinementParameters::declare(dealii::ParameterHandler &prm)
  {
    using namespace dealii;
    prm.enter_subsection("Mesh refinement");
    prm.add_parameter("Global refinements",
                      global_refinements,
                      "Uniform refinements of the layer mesh before the run "
                      "starts (each halves every cell size; 2D: 4x, 3D: 8x "
                      "the cells).",
                      Patterns::Integer(0, 8));
    prm.add_parameter("Adaptive",
                      adaptive,
                      "Adapt the mesh while cycling (2D and 3D; ignored in "
                      "1D, where nothing varies across the layers): refine "
                      "where the current density jumps between cells of a "
                      "layer and under growing Li films, coarsen where the "
                      "fields are smooth. Every state (potentials, particle "
                      "concentrations, carbon filling, films) is carried "
                      "over, conserving the Li inventory.",
                      Patterns::Bool());
    prm.add_parameter("Interval",
                      interval,
                      "Adapt the mesh every this many accepted time steps.",
                      Patterns::Integer(1, 1000000));
    prm.add_parameter("Maximum level",
                      maximum_level,
                      "Most refinements of a cell of the layer mesh "
                      "(counting the global refinements).",
                      Patterns::Integer(0, 12));
    prm.add_parameter("Maximum cells",
                      maximum_cells,
                      "Upper limit of the number of active cells (over all "
                      "ranks) after the global refinements and after each "
                      "adaptation.",
                      Patterns::Integer(1, 2000000000));
    prm.add_parameter("Refine fraction",
                      refine_fraction,
                      "Share of the cells, those with the largest error "
                      "indicator, refined at each adaptation.",
                      Patterns::Double(0, 1));
    prm.add_parameter("Coarsen fraction",
                      coarsen_fraction,
                      "Share of the cells, those with the smallest error "
                      "indicator, coarsened at each adaptation (only where "
                      "they were refined before).",
                      Patterns::Double(0, 1));
    prm.add_parameter("Refine growing films",
                      refine_growing_films,
                      "Take the cells under a Li film that is growing to "
                      "the maximum level and keep them there.",
                      Patterns::Bool());
    prm.add_parameter(
      "Electrode cell weight",
      electrode_cell_weight,
      "Partition among MPI ranks (2D and 3D): a cell of the carbon layer or "
      "the cathode, which carries both potentials and the local reactions, "
      "counts this many times a cell of any other layer, so that the ranks "
      "share the work rather than the cells. 0: 2.5 without the mechanics "
      "(an electrode cell has four times the potentials' matrix entries of "
      "another cell), 1 with it (the displacement's work, the same in every "
      "cell, then weighs as much: with 2 the 2D Example's first cycle at 82k "
      "unknowns took 406 s against 337 s with 1). Benchmark a, 2D, 325k "
      "unknowns, 2 ranks: partitioned by cells, the rank without the "
      "cathode waited 30 % of the run for the other; weights 2 and 3 "
      "shortened the run by 17 % and 22 %, and 2.5 left the busier rank 11 % "
      "fewer instructions (doc/performance.md). [N]",
      Patterns::Double(0, 100));
    prm.leave_subsection();
  }

  double
  RefinementParameters::electrode_weight(const bool mechanics) const
  {
    if (electrode_cell_weight > 0)
      return electrode_cell_weight;
    return mechanics ? 1.0 : 2.5;
  }

  void
  RefinementParameters::check(const unsigned int dim) const
  {
    if (!adaptive)
      return;
    if (dim == 1)
      return; // ignored in 1D: nothing varies across the layers
    if (global_refinements > maximum_level)
      throw InputError("Mesh refinement/Maximum level",
                       "the maximum level (" + std::to_string(maximum_level) +
                         ") is below the global refinements (" +
                         std::to_string(global_refinements) +
                         "); it counts them. Give a maximum level of at "
                         "least the global refinements.");
    if (refine_fraction + coarsen_fraction > 1)
      throw InputError("Mesh refinement/Refine fraction",
                       "the refine and coarsen fractions add up to more "
                       "than 1; give fractions whose sum is at most 1.");
  }
} // namespace anodeless
