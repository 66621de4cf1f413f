#pragma once

// Per-cell pieces of a checkpoint shared by the physics: a cell's unknowns
// and the lookup of its record. Only for the .cc files that save and load
// states (deal.II cell accessors and vectors).

#include <deal.II/base/index_set.h>
#include <deal.II/grid/cell_id.h>

#include <anodeless/io/checkpoint.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace anodeless
{
  /// The values of a locally owned cell's unknowns in a ghosted vector.
  template <class Cell, class VectorType>
  std::vector<double>
  cell_unknowns(const Cell &cell, const VectorType &ghosted)
  {
    std::vector<dealii::types::global_dof_index> dofs(
      cell->get_fe().n_dofs_per_cell());
    cell->get_dof_indices(dofs);
    std::vector<double> values(dofs.size());
    for (unsigned int i = 0; i < dofs.size(); ++i)
      values[i] = ghosted[dofs[i]];
    return values;
  }

  /// Set the unknowns of a cell that this rank owns in @p owned_vector
  /// (call compress(insert) after the last cell).
  template <class Cell, class VectorType>
  void
  set_cell_unknowns(const Cell                &cell,
                    const std::vector<double> &values,
                    const dealii::IndexSet    &owned,
                    VectorType                &owned_vector)
  {
    std::vector<dealii::types::global_dof_index> dofs(
      cell->get_fe().n_dofs_per_cell());
    cell->get_dof_indices(dofs);
    if (values.size() != dofs.size())
      throw std::runtime_error("the checkpoint's unknowns of cell " +
                               cell->id().to_string() +
                               " do not match the mesh");
    for (unsigned int i = 0; i < dofs.size(); ++i)
      if (owned.is_element(dofs[i]))
        owned_vector[dofs[i]] = values[i];
  }

  /// The record of a cell; throws if the checkpoint has none (another mesh).
  template <class Cell>
  const std::vector<double> &
  record_of(const std::map<std::string, std::vector<double>> &cells,
            const Cell                                       &cell,
            const std::string                                &what)
  {
    const auto found = cells.find(cell->id().to_string());
    if (found == cells.end())
      throw std::runtime_error("the checkpoint has no " + what +
                               " state for cell " + cell->id().to_string() +
                               ": it was written for another mesh");
    return found->second;
  }
} // namespace anodeless
