// The electrochemistry-mechanics stagger iterated within a time step.
#include <deal.II/base/mpi.h>

#include <deal.II/grid/cell_id.h>
#include <deal.II/grid/tria.h>

#include <anodeless/io/checkpoint.h>
#include <anodeless/simulation_impl.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    /// Largest change between two coupling fields of the same mesh: film
    /// pressures relative to the larger of the pressure and 1 MPa (the
    /// plating overpotential moves by Omega p / F, 0.13 mV per MPa),
    /// factors absolute. Local to this rank.
    double
    coupling_change(const MechanicalCoupling &a, const MechanicalCoupling &b)
    {
      double     change  = 0;
      const auto compare = [&](const std::vector<std::vector<double>> &x,
                               const std::vector<std::vector<double>> &y,
                               const double                            floor) {
        if (x.size() != y.size())
          {
            change = std::numeric_limits<double>::infinity();
            return;
          }
        for (std::size_t c = 0; c < x.size(); ++c)
          {
            if (x[c].size() != y[c].size())
              {
                change = std::numeric_limits<double>::infinity();
                return;
              }
            for (std::size_t q = 0; q < x[c].size(); ++q)
              {
                const double scale =
                  floor > 0 ?
                    std::max({std::abs(x[c][q]), std::abs(y[c][q]), floor}) :
                    1.0;
                change = std::max(change, std::abs(x[c][q] - y[c][q]) / scale);
              }
          }
      };
      compare(a.film_pressure, b.film_pressure, 1e6);
      compare(a.ionic_conductivity_factor, b.ionic_conductivity_factor, 0);
      compare(a.electronic_conductivity_factor,
              b.electronic_conductivity_factor,
              0);
      compare(a.contact_factor, b.contact_factor, 0);
      return change;
    }
  } // namespace

  template <int dim>
  void
  Simulation<dim>::iterate_coupling(
    const double                                      dt,
    const typename CellElectrochemistry<dim>::Control control,
    const double                                      value,
    MechanicalCoupling                                applied,
    typename CellElectrochemistry<dim>::StepResult   &result)
  {
    const auto  start = std::chrono::steady_clock::now();
    const auto &mech  = parameters.mechanics;
    // The mechanics at the start of the step, to return to after a pass.
    auto   saved  = mechanics->snapshot();
    double change = std::numeric_limits<double>::infinity();
    for (unsigned int pass = 1; pass < mech.coupling_iterations; ++pass)
      {
        try
          {
            mechanics->step(dt,
                            electrochemistry->cathode_li_fraction(true),
                            electrochemistry->carbon_filling(true),
                            films_before_step,
                            electrochemistry->film_thickness(true),
                            pass > 1);
          }
        catch (...)
          {
            // The run's error handling may write a checkpoint: leave the
            // mechanics as the last committed step left it.
            mechanics->restore(*saved);
            throw;
          }
        count_mechanics_solve();
        MechanicalCoupling reached = mechanics->coupling();
        change = Utilities::MPI::max(coupling_change(applied, reached),
                                     mesh.field_communicator);
        if (change <= mech.coupling_tolerance)
          {
            // Settled: the mechanics stays at the step's end.
            mechanics_start = std::move(saved);
            break;
          }
        mechanics->restore(*saved);
        electrochemistry->apply_mechanics(reached);
        applied = std::move(reached);
        // The pass before converged near this one's solution: start there.
        const auto again =
          electrochemistry->solve_step(dt, control, value, true);
        ++statistics.coupling_passes;
        statistics.coupling_newton_iterations += again.newton_iterations;
        result.newton_iterations += again.newton_iterations;
        result.linear_iterations += again.linear_iterations;
        result.linear_solve_time += again.linear_solve_time;
        result.assembly_time += again.assembly_time;
        result.assembly_passes += again.assembly_passes;
        result.preconditioner_set_ups += again.preconditioner_set_ups;
        result.residual = again.residual;
        if (!again.converged)
          {
            result.converged = false;
            result.failure   = again.failure;
            break;
          }
      }
    if (result.converged)
      {
        if (change > mech.coupling_tolerance)
          ++statistics.unsettled_couplings;
        statistics.largest_coupling_change =
          std::max(statistics.largest_coupling_change, change);
      }
    statistics.coupling_wall +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
  }

  template <int dim>
  void
  Simulation<dim>::count_mechanics_solve()
  {
    statistics.mechanics_linear_iterations +=
      mechanics->last_linear_iterations();
    statistics.mechanics_linear_solves += mechanics->last_linear_solves();
    statistics.mechanics_multigrid_set_ups +=
      mechanics->last_multigrid_set_ups();
    statistics.mechanics_factorizations += mechanics->last_factorizations();
    const auto [assembly, linear] = mechanics->last_solve_times();
    statistics.mechanics_assembly_wall += assembly;
    statistics.mechanics_linear_wall += linear;
  }

  template <int dim>
  MechanicalCoupling
  Simulation<dim>::predict_coupling(const MechanicalCoupling &start,
                                    const double              dt) const
  {
    if (last_step_length <= 0 || !parameters.mechanics.coupling_prediction)
      return start;
    const double       ratio     = dt / last_step_length;
    MechanicalCoupling predicted = start;
    const auto         extrapolate = [&](std::vector<std::vector<double>>       &now,
                                 const std::vector<std::vector<double>> &before,
                                 const bool factor) {
      if (now.size() != before.size())
        return;
      for (std::size_t c = 0; c < now.size(); ++c)
        if (now[c].size() == before[c].size())
          for (std::size_t q = 0; q < now[c].size(); ++q)
            {
              const double value =
                now[c][q] + ratio * (now[c][q] - before[c][q]);
              now[c][q] = factor ? std::max(value, 0.0) : value;
            }
    };
    extrapolate(predicted.film_pressure,
                last_step_coupling.film_pressure,
                false);
    extrapolate(predicted.ionic_conductivity_factor,
                last_step_coupling.ionic_conductivity_factor,
                true);
    extrapolate(predicted.electronic_conductivity_factor,
                last_step_coupling.electronic_conductivity_factor,
                true);
    extrapolate(predicted.contact_factor,
                last_step_coupling.contact_factor,
                true);
    return predicted;
  }

  template <int dim>
  void
  Simulation<dim>::save_coupling_history(
    std::map<std::string, std::vector<double>> &cells) const
  {
    cells["global"] = {last_step_length};
    if (last_step_length <= 0)
      return;
    const auto &c = last_step_coupling;
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const unsigned int  i = cell->active_cell_index();
          std::vector<double> record;
          CellRecord          out(record);
          for (const auto *field : {&c.ionic_conductivity_factor,
                                    &c.electronic_conductivity_factor,
                                    &c.contact_factor,
                                    &c.film_pressure})
            out.put(i < field->size() ? (*field)[i] : std::vector<double>());
          cells[cell->id().to_string()] = std::move(record);
        }
  }

  template <int dim>
  void
  Simulation<dim>::load_coupling_history(
    const std::map<std::string, std::vector<double>> &cells)
  {
    // (A checkpoint written before the history was kept has none: the
    // resumed run starts without a prediction.)
    const auto global = cells.find("global");
    last_step_length  = global != cells.end() && global->second.size() == 1 ?
                          global->second[0] :
                          0.0;
    if (last_step_length <= 0)
      return;
    const unsigned int n_cells = mesh.triangulation->n_active_cells();
    auto              &c       = last_step_coupling;
    std::vector<std::vector<std::vector<double>> *> fields{
      &c.ionic_conductivity_factor,
      &c.electronic_conductivity_factor,
      &c.contact_factor,
      &c.film_pressure};
    for (auto *field : fields)
      field->assign(n_cells, {});
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto found = cells.find(cell->id().to_string());
          if (found == cells.end())
            {
              last_step_length = 0;
              return;
            }
          CellRecord in(found->second);
          for (auto *field : fields)
            (*field)[cell->active_cell_index()] = in.take();
        }
  }

  template <int dim>
  void
  Simulation<dim>::restore_mechanics()
  {
    if (mechanics && mechanics_start)
      {
        mechanics->restore(*mechanics_start);
        mechanics_start.reset();
      }
  }

  template class Simulation<1>;
  template class Simulation<2>;
  template class Simulation<3>;
} // namespace anodeless
