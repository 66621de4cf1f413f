#pragma once

#include <vector>

namespace dealii
{
  template <int dim, int spacedim>
  class Triangulation;
}

namespace anodeless
{
  class LayerStack;
  struct StackParameters;
  struct HalideParameters;

  /**
   * @brief Which coarse lateral cells of a 2D/3D window carry a conducting
   * spot of the halide layer.
   *
   * Spots sit at explicit positions or, if none are given, at random
   * positions (seeded) with their number set by the area fraction. A lateral
   * cell conducts if its centre lies in a spot. The result depends on the
   * parameters only, so the input check and every rank agree.
   */
  struct SpotMap
  {
    unsigned int      nx = 1, nz = 1; ///< lateral cells along x and z
    std::vector<bool> conducting;     ///< index i + nx k
    double            fraction = 0;   ///< realized conducting area fraction

    /// Throws InputError for unusable positions or spots that hit no cell.
    SpotMap(unsigned int            dim,
            const StackParameters  &stack,
            const HalideParameters &halide);
  };

  /// Check the syntax of 'Spot positions' (throws InputError); used even
  /// when the halide layer is absent, where the positions play no role.
  void
  check_spot_positions(unsigned int            dim,
                       const StackParameters  &stack,
                       const HalideParameters &halide);

  /**
   * Mark the halide-layer cells that conduct electrons (material id
   * halide_spot_material_id) in a 2D/3D mesh. Returns the conducting area
   * fraction (in 1D the averaged fraction from the parameters).
   */
  template <int dim>
  double
  place_conducting_spots(dealii::Triangulation<dim, dim> &triangulation,
                         const LayerStack                &stack,
                         const StackParameters           &stack_parameters,
                         const HalideParameters          &halide);
} // namespace anodeless
