// The electrochemistry-mechanics stagger iterated within a time step.
#include <deal.II/base/mpi.h>

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
    typename CellElectrochemistry<dim>::StepResult   &result)
  {
    const auto  start = std::chrono::steady_clock::now();
    const auto &mech  = parameters.mechanics;
    // The mechanics at the start of the step, to return to after a pass.
    std::map<std::string, std::vector<double>> saved;
    mechanics->save_state(saved);
    MechanicalCoupling applied = mechanics->coupling();
    double             change  = std::numeric_limits<double>::infinity();
    for (unsigned int pass = 1; pass < mech.coupling_iterations; ++pass)
      {
        try
          {
            mechanics->step(dt,
                            electrochemistry->cathode_li_fraction(true),
                            electrochemistry->carbon_filling(true),
                            films_before_step,
                            electrochemistry->film_thickness(true));
          }
        catch (...)
          {
            // The run's error handling may write a checkpoint: leave the
            // mechanics as the last committed step left it.
            mechanics->load_state(saved);
            throw;
          }
        statistics.mechanics_linear_iterations +=
          mechanics->last_linear_iterations();
        MechanicalCoupling reached = mechanics->coupling();
        change = Utilities::MPI::max(coupling_change(applied, reached),
                                     mesh.field_communicator);
        if (change <= mech.coupling_tolerance)
          {
            // Settled: the mechanics stays at the step's end.
            mechanics_start = std::move(saved);
            break;
          }
        mechanics->load_state(saved);
        electrochemistry->apply_mechanics(reached);
        applied          = std::move(reached);
        const auto again = electrochemistry->solve_step(dt, control, value);
        ++statistics.coupling_passes;
        result.newton_iterations += again.newton_iterations;
        result.linear_iterations += again.linear_iterations;
        result.linear_solve_time += again.linear_solve_time;
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
  Simulation<dim>::restore_mechanics()
  {
    if (mechanics && !mechanics_start.empty())
      {
        mechanics->load_state(mechanics_start);
        mechanics_start.clear();
      }
  }

  template class Simulation<1>;
  template class Simulation<2>;
  template class Simulation<3>;
} // namespace anodeless
