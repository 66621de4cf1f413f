#pragma once

// Adaptive refinement of the layer mesh (2D and 3D, p4est): marking from
// error indicators, keeping the interfaces between layers conforming, and
// carrying each field's per-cell records through the change. Only for the
// .cc files that change the mesh.

#include <deal.II/fe/fe.h>

#include <deal.II/grid/tria.h>

#include <deal.II/lac/vector.h>

#include <anodeless/io/checkpoint.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace anodeless
{
  struct RefinementParameters;
  template <int dim>
  class CellElectrochemistry;
  template <int dim>
  class CellMechanics;

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
   * The records of a field that has save_state, split_record, merge_records
   * and remesh (the electrochemistry, the mechanics), for
   * execute_refinement; finish() sets the field up on the new mesh.
   */
  template <int dim, class Field>
  struct FieldTransfer : CellRecordTransfer<dim>
  {
    explicit FieldTransfer(Field &field)
      : field(field)
    {
      field.save_state(this->records);
      global = this->records.at("global");
      this->records.erase("global");
      this->split = [&field](const auto &parent, const std::vector<double> &r) {
        return field.split_record(parent->material_id(), r);
      };
      this->merge = [&field](const auto                             &parent,
                             const std::vector<std::vector<double>> &r) {
        return field.merge_records(parent->material_id(), r);
      };
    }

    void
    finish()
    {
      this->records["global"] = global;
      field.remesh(this->records);
    }

    Field              &field;
    std::vector<double> global;
  };

  /// A Q1 field's unknowns (an FESystem of FE_Q(1)) on child @p child of a
  /// cell, interpolated from the cell's.
  template <int dim>
  std::vector<double>
  child_q1_unknowns(const dealii::FiniteElement<dim> &fe,
                    const std::vector<double>        &parent,
                    unsigned int                      child);

  /// A Q1 field's unknowns on a cell from its children's: vertex v of the
  /// parent is vertex v of child v.
  template <int dim>
  std::vector<double>
  parent_q1_unknowns(const dealii::FiniteElement<dim>       &fe,
                     const std::vector<std::vector<double>> &children);

  /// The parent's Q1 unknowns from its children's records: takes the next
  /// array (a Q1 field's unknowns) from each reader in @p children.
  template <int dim>
  std::vector<double>
  take_parent_q1_unknowns(const dealii::FiniteElement<dim> &fe,
                          std::vector<CellRecord>          &children);

  /// Mean over the points of a per-point array of n_points equal blocks
  /// (equal weights: the tensor Gauss rules of the cells and faces).
  std::vector<double>
  point_mean(const std::vector<double> &values, unsigned int n_points);

  /// The mean over the non-empty @p parts (children's per-point arrays of
  /// n_points blocks each) of their point means; empty if all are.
  std::vector<double>
  mean_of_point_means(const std::vector<std::vector<double>> &parts,
                      unsigned int                            n_points);

  /// @p mean repeated for n_points points.
  std::vector<double>
  repeat_points(const std::vector<double> &mean, unsigned int n_points);

  /// Block @p point of a per-point array of n_points equal blocks, repeated
  /// for n_points points: a child's array when that point of its parent
  /// lies in it.
  std::vector<double>
  repeat_point(const std::vector<double> &values,
               unsigned int               n_points,
               unsigned int               point);

  /// A parent's per-point array of n_points blocks whose point q lies in the
  /// child whose array is @p by_point[q]: point q gets the mean of that
  /// child's points. Empty if any of them is.
  std::vector<double>
  point_means_by_point(const std::vector<std::vector<double>> &by_point,
                       unsigned int                            n_points);

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
   * committed state over (see CellElectrochemistry::split_record), and that
   * of the @p mechanics if given (CellMechanics::split_record), and set them
   * up on the new mesh. Returns the passes of execute_refinement.
   */
  template <int dim>
  unsigned int
  execute_refinement(dealii::Triangulation<dim> &triangulation,
                     CellElectrochemistry<dim>  &cell,
                     CellMechanics<dim>         *mechanics = nullptr);

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
