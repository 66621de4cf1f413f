// The committed state of the electrochemistry by cell id, for checkpoints
// that a run can resume from on another partition.
#include <deal.II/grid/cell_id.h>

#include <anodeless/io/cell_record_io.h>

#include "cell_electrochemistry_impl.h"

#include <stdexcept>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  void
  CellElectrochemistry<dim>::save_state(
    std::map<std::string, std::vector<double>> &cells) const
  {
    Impl &d   = *impl;
    d.ghosted = d.committed;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          std::vector<double> &values = cells[cell->id().to_string()];
          values.clear();
          CellRecord record(values);
          record.put(cell_unknowns(cell, d.ghosted));
          const unsigned int c = cell->active_cell_index();
          for (const auto &array : d.record_arrays())
            record.put(array.values->empty() ? std::vector<double>() :
                                               (*array.values)[c]);
        }
    // The potentials before the last step, last in each record, for the
    // resumed run's first Newton guess to be the one it would have had.
    if (d.committed_step > 0)
      {
        d.ghosted = d.before_committed;
        for (const auto &cell : d.dof_handler.active_cell_iterators())
          if (cell->is_locally_owned())
            CellRecord(cells[cell->id().to_string()])
              .put(cell_unknowns(cell, d.ghosted));
        // Evaluations after a checkpoint (potential drops) read the
        // committed potentials, as before it.
        d.ghosted = d.committed;
      }
    std::vector<double> &global = cells["global"];
    global                      = {d.soft_short,
                                   d.trial_voltage,
                                   d.trial_current,
                                   d.trial_dt,
                                   d.side_share,
                                   d.committed_step};
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::load_state(
    const std::map<std::string, std::vector<double>> &cells)
  {
    Impl              &d            = *impl;
    const unsigned int n_cells      = d.mesh.triangulation->n_active_cells();
    bool               with_history = true;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      // Owned cells only: the states of ghost cells are never set or
      // read (every rank keeps its own cells' states).
      if (cell->is_locally_owned())
        {
          CellRecord record(record_of(cells, cell, "electrochemical"));
          set_cell_unknowns(cell, record.take(), d.owned_dofs, d.committed);
          const unsigned int c = cell->active_cell_index();
          for (const auto &entry : d.record_arrays())
            {
              auto *array  = entry.values;
              auto  values = record.take();
              if (array->empty() && !values.empty())
                array->resize(n_cells);
              if (!array->empty())
                (*array)[c] = std::move(values);
            }
          // (Records made by a remeshing carry no earlier potentials.)
          if (record.exhausted())
            with_history = false;
          else
            set_cell_unknowns(cell,
                              record.take(),
                              d.owned_dofs,
                              d.before_committed);
        }
    d.committed.compress(VectorOperation::insert);
    d.before_committed.compress(VectorOperation::insert);
    d.solution               = d.committed;
    d.ghosted                = d.committed;
    d.cell_state_trial       = d.cell_state;
    d.face_state_trial       = d.face_state;
    d.released_trial         = d.released;
    d.reaction_guess_settled = d.reaction_guess;
    const auto global        = cells.find("global");
    if (global == cells.end() ||
        (global->second.size() != 5 && global->second.size() != 6))
      throw std::runtime_error("the checkpoint has no electrochemical scalars");
    // A checkpoint written before the last step was kept has five.
    const double last_step =
      global->second.size() == 6 ? global->second[5] : 0.0;
    d.committed_step =
      Utilities::MPI::min(with_history ? 1.0 : 0.0, d.comm) > 0 ? last_step :
                                                                  0.0;
    d.soft_short             = global->second[0];
    d.trial_voltage          = global->second[1];
    d.trial_current          = global->second[2];
    d.trial_dt               = global->second[3];
    d.side_share             = global->second[4];
    d.surface_response_valid = false;
  }

  template class CellElectrochemistry<1>;
  template class CellElectrochemistry<2>;
  template class CellElectrochemistry<3>;
} // namespace anodeless
