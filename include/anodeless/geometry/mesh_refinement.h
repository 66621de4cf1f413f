#pragma once

// Adaptive refinement of the layer mesh (2D and 3D, p4est): marking from
// error indicators, keeping the interfaces between layers conforming, and
// carrying each field's per-cell records through the change. Only for the
// .cc files that change the mesh.

#include <deal.II/grid/tria.h>

#include <deal.II/lac/vector.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace anodeless
{
  struct RefinementParameters;
  template <int dim>
  class CellElectrochemistry;

  /**
   * @brief How the per-cell records of one field (keyed by cell id, as in a
   * checkpoint) follow a change of the mesh: a refined cell's record is
   * split into its children's, a coarsened family's records are merged into
   * the parent's. The records of the cells that stay move with them to
   * their new owner.
   */
  template <int dim>
  struct CellRecordTransfer
  {
    using Cell = typename dealii::Triangulation<dim>::cell_iterator;

    /// Before: the locally owned active cells; after: the same for the new
    /// mesh.
    std::map<std::string, std::vector<double>> records;
    /// Children's records, in the order of the children, from the parent's.
    std::function<std::vector<std::vector<double>>(const Cell &,
                                                   const std::vector<double> &)>
      split;
    /// The parent's record from its children's.
    std::function<std::vector<double>(const Cell &,
                                      const std::vector<std::vector<double>> &)>
      merge;
  };

  /**
   * Flag cells for a change of the mesh: the refine fraction of the cells
   * with the largest indicators (below the maximum level) and the coarsen
   * fraction with the smallest, within the cell limit; cells marked in
   * @p forced (by active cell index) go to the maximum level and are not
   * coarsened. Cells on the two sides of an interface between layers (or
   * between a conducting spot and the halide around it) keep equal levels.
   * Returns whether any cell changes.
   */
  template <int dim>
  bool
  mark_cells(dealii::Triangulation<dim>  &triangulation,
             const dealii::Vector<float> &indicators,
             const std::vector<bool>     &forced,
             const RefinementParameters  &parameters);

  /**
   * Coarsen and refine as flagged, carrying the records of @p fields; then,
   * while the partitioner's 2:1 balance has left an interface between
   * layers non-conforming, refine its coarser side (with the records).
   * Returns the number of passes.
   */
  template <int dim>
  unsigned int
  execute_refinement(dealii::Triangulation<dim> &triangulation,
                     const std::vector<CellRecordTransfer<dim> *> &fields);

  /**
   * Coarsen and refine the mesh of @p cell as flagged, carrying its
   * committed state over (see CellElectrochemistry::split_record), and set
   * it up on the new mesh. Returns the passes of execute_refinement.
   */
  template <int dim>
  unsigned int
  execute_refinement(dealii::Triangulation<dim> &triangulation,
                     CellElectrochemistry<dim>  &cell);

  /// Whether every face between cells of different material ids is
  /// conforming (same level on both sides), over all ranks.
  template <int dim>
  bool
  interfaces_conforming(const dealii::Triangulation<dim> &triangulation);

  /**
   * Refine the mesh until each of the cell ids @p cells (of active cells of
   * a refined mesh of the same coarse mesh) is an active cell: rebuilds an
   * adapted mesh from a checkpoint. Returns the passes.
   */
  template <int dim>
  unsigned int
  refine_to_cells(dealii::Triangulation<dim>     &triangulation,
                  const std::vector<std::string> &cells);
} // namespace anodeless
