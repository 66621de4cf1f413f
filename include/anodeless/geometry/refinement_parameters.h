#pragma once

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /// The "Mesh refinement" subsection: uniform refinement of the layer mesh
  /// at the start and adaptive refinement while cycling (2D and 3D).
  struct RefinementParameters
  {
    /// Uniform refinements of the layer mesh before the run starts.
    unsigned int global_refinements = 0;
    bool         adaptive           = false;
    unsigned int interval           = 10; ///< time steps between adaptations
    unsigned int maximum_level      = 2;  ///< refinements of the layer mesh
    unsigned int maximum_cells      = 200000;
    double       refine_fraction    = 0.2; ///< share of cells refined
    double       coarsen_fraction   = 0.2; ///< share of cells coarsened
    /// Cells under a growing Li film go to the finest level.
    bool refine_growing_films = true;
    /// Partition weight of a porous electrode's cell (both potentials and
    /// the reactions) against any other cell; 0: chosen from the physics.
    double electrode_cell_weight = 0;

    /// The electrode cells' partition weight of a run with or without the
    /// mechanics: the given one, or the measured choice.
    double
    electrode_weight(bool mechanics) const;

    void
    declare(dealii::ParameterHandler &prm);

    /// Check the levels and fractions for a run of dimension @p dim
    /// (throws InputError).
    void
    check(unsigned int dim) const;
  };
} // namespace anodeless
