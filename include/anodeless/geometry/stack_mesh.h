#pragma once

#include <deal.II/base/mpi.h>

#include <memory>

namespace dealii
{
  template <int dim, int spacedim>
  class Triangulation;
}

namespace anodeless
{
  class LayerStack;
  struct StackParameters;

  /// Boundary ids of the layer-conforming mesh. The thickness coordinate is
  /// the last one (x in 1D, y in 2D, z in 3D).
  namespace boundary_ids
  {
    inline constexpr unsigned int bottom     = 0; ///< anode collector, grounded
    inline constexpr unsigned int top        = 1; ///< cathode collector
    inline constexpr unsigned int lateral_x0 = 2;
    inline constexpr unsigned int lateral_x1 = 3;
    inline constexpr unsigned int lateral_y0 = 4; ///< 3D only
    inline constexpr unsigned int lateral_y1 = 5; ///< 3D only
  }                                               // namespace boundary_ids

  /**
   * @brief The triangulation of a run and the communicator its fields use.
   *
   * 2D and 3D meshes are distributed with p4est over all ranks. p4est has no
   * 1D version, so in 1D every rank holds the whole (small) mesh and solves
   * it redundantly on MPI_COMM_SELF; only rank 0 writes output.
   */
  template <int dim>
  struct StackMesh
  {
    StackMesh(MPI_Comm world);
    ~StackMesh();

    std::unique_ptr<dealii::Triangulation<dim, dim>> triangulation;

    /// Communicator of the fields' vectors and of reductions over cells.
    MPI_Comm field_communicator;
    /// All ranks of the run.
    MPI_Comm world_communicator;

    /// Whether this rank writes files (rank 0 of the world in 1D, every rank
    /// for its own piece in 2D/3D).
    bool
    writes_own_piece() const;
  };

  /**
   * Build the layer-conforming coarse mesh: one tensor-product grid whose
   * through-thickness nodes are the graded layer nodes of @p stack, material
   * id = layer role, boundary ids as in boundary_ids.
   */
  template <int dim>
  void
  make_stack_mesh(dealii::Triangulation<dim, dim> &triangulation,
                  const LayerStack                &stack,
                  const StackParameters           &parameters);

  /**
   * Weigh the cells for the partition among ranks (2D and 3D; nothing in
   * 1D): a cell of the carbon layer or the cathode counts @p electrode_weight
   * times any other cell. It holds for the refinements and repartitions from
   * now on; call it before the first refinement.
   */
  template <int dim>
  void
  weigh_partition(dealii::Triangulation<dim, dim> &triangulation,
                  double                           electrode_weight);

  /// Refine every cell @p levels times and partition the mesh among the
  /// ranks by the weights of weigh_partition(), also with no refinement.
  template <int dim>
  void
  refine_uniformly(dealii::Triangulation<dim, dim> &triangulation,
                   unsigned int                     levels);

  /// Area in m^2 of the cell's lateral cross-section (1 m^2 in 1D, the
  /// window width times 1 m in 2D, width times depth in 3D).
  template <int dim>
  double
  lateral_area(const StackParameters &parameters);
} // namespace anodeless
