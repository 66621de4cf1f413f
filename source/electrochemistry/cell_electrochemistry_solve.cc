#include <deal.II/fe/fe_values.h>

#include <deal.II/hp/fe_values.h>

#include <anodeless/core/errors.h>
#include <anodeless/solvers/linear_solver.h>

#include "cell_electrochemistry_impl.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  double
  CellElectrochemistry<dim>::Impl::evaluate_voltage() const
  {
    // Mean phi_s over the top face of the cathode current collector (the
    // bottom is grounded).
    hp::FEFaceValues<dim>            hp_face(fe,
                                  face_quadrature,
                                  update_values | update_JxW_values);
    const FEValuesExtractors::Scalar phi_s(0);
    std::vector<double>              values;
    double                           integral = 0, area = 0;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int f : cell->face_indices())
          if (cell->at_boundary(f) &&
              cell->face(f)->boundary_id() == boundary_ids::top)
            {
              hp_face.reinit(cell, f);
              const auto &face = hp_face.get_present_fe_values();
              values.resize(face.n_quadrature_points);
              face[phi_s].get_function_values(ghosted, values);
              for (unsigned int q = 0; q < values.size(); ++q)
                {
                  integral += values[q] * face.JxW(q);
                  area += face.JxW(q);
                }
            }
    integral = Utilities::MPI::sum(integral, comm);
    area     = Utilities::MPI::sum(area, comm);
    return integral / area;
  }

  template <int dim>
  typename CellElectrochemistry<dim>::StepResult
  CellElectrochemistry<dim>::solve_step(const double  dt,
                                        const Control control,
                                        const double  value,
                                        const bool    from_last_trial)
  {
    Impl      &d = *impl;
    StepResult result;
    d.trial_dt               = dt;
    d.surface_response_valid = false; // new step or new dt
    d.cell_state_trial       = d.cell_state;
    d.face_state_trial       = d.face_state;
    d.released_trial         = d.released;
    if (!from_last_trial)
      {
        d.solution = d.committed;
        // The potentials move smoothly within a protocol step: a linear
        // extrapolation of the last step starts Newton nearer.
        if (d.echem.solver.predict_potentials && d.committed_step > 0)
          {
            const double ratio = dt / d.committed_step;
            d.solution.add(ratio, d.committed, -ratio, d.before_committed);
          }
      }
    if (control == Control::voltage)
      {
        for (const auto i : d.top_phi_s_dofs)
          if (d.owned_dofs.is_element(i))
            d.solution[i] = value;
        d.solution.compress(VectorOperation::insert);
      }
    else
      d.current_constraints.distribute(d.solution); // one foil potential
    const double current            = control == Control::current ? value : 0.0;
    const auto  &solver             = d.echem.solver;
    const double scale              = one_c_current_density() * d.lateral_area;
    const double residual_tolerance = solver.residual_tolerance * scale;

    LinearSolverOptions options;
    options.direct = solver.linear_solver == "direct" ||
                     (solver.linear_solver == "auto" &&
                      d.dof_handler.n_dofs() <= solver.direct_solver_limit);
    options.tolerance             = solver.linear_tolerance;
    options.amg_strong_threshold  = solver.amg_strong_threshold;
    options.amg_aggressive_levels = solver.amg_aggressive_levels;
    options.amg_hmis              = solver.amg_coarsening == "HMIS";
    options.amg_symmetric_sweeps =
      solver.amg_smoother == "symmetric Gauss-Seidel";
    // The Newton iterations of a step share one multigrid set-up: their
    // Jacobians differ little. A new step (other dt, control or mesh) sets
    // up anew.
    PreconditionerCache preconditioner;
    if (solver.reuse_preconditioner)
      options.reuse = &preconditioner;
    options.factorization = &d.factorization;

    LA::MPI::Vector residual(d.owned_dofs, d.comm);
    LA::MPI::Vector update(d.owned_dofs, d.comm);
    LA::MPI::Vector trial(d.owned_dofs, d.comm);
    auto           &constraints = d.constraints(control);
    const auto      assemble    = [&](const bool       with_jacobian,
                              const bool       store_states,
                              LA::MPI::Vector &r) {
      const auto start = std::chrono::steady_clock::now();
      d.assemble(control, current, with_jacobian, store_states, r);
      ++result.assembly_passes;
      result.assembly_time +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
    };

    try
      {
        // In the metals the phi_s rows carry conductances of 1e12 S/m^2 and
        // more, so their residual cannot fall below round-off times that;
        // the ionic rows measure what matters (charge and Li balance), the
        // update measures the potentials.
        const auto ionic_norm = [&](const LA::MPI::Vector &r) {
          double sum = 0;
          for (const auto i : d.phi_e_dofs)
            sum += r[i] * r[i];
          return std::sqrt(Utilities::MPI::sum(sum, d.comm));
        };
        // Line-search merit: the residual without its round-off part. In the
        // metals a row sums terms of 1e13 S/m^2 times volts, so its residual
        // cannot fall below about eps |J_ii| |u_i|; those rows would otherwise
        // dominate the norm and stall the line search.
        LA::MPI::Vector round_off(d.owned_dofs, d.comm);
        const auto      update_round_off = [&]() {
          for (const auto i : d.owned_dofs)
            round_off[i] = 16 * std::numeric_limits<double>::epsilon() *
                           std::abs(d.jacobian.diag_element(i)) *
                           (std::abs(d.solution[i]) + 1.0);
          round_off.compress(VectorOperation::insert);
        };
        const auto merit = [&](const LA::MPI::Vector &r) {
          double sum = 0;
          for (const auto i : d.owned_dofs)
            {
              const double excess =
                std::max(0.0, std::abs(r[i]) - round_off[i]);
              sum += excess * excess;
            }
          return std::sqrt(Utilities::MPI::sum(sum, d.comm));
        };
        d.ghosted = d.solution;
        assemble(true, false, residual);
        update_round_off();
        double norm        = merit(residual);
        double ionic       = ionic_norm(residual);
        double last_update = std::numeric_limits<double>::max();
        // The distance to the solution after the last update, estimated
        // from the contraction theta of two full Newton steps as
        // theta / (1 - theta) times that update (Deuflhard, Newton Methods
        // for Nonlinear Problems, 2004, sec. 2.1): near the solution Newton
        // contracts by 1e-4 and more per iteration, so an iteration whose
        // only purpose is to show an update below the tolerance is saved.
        // The residual test stays as it was.
        double remaining_error = std::numeric_limits<double>::max();
        bool   last_step_full  = false;
        // Inexact Newton: the linear solve need not reach far below what the
        // next Newton iteration will change. The forcing term (the linear
        // solver's relative tolerance) follows Eisenstat and Walker's choice
        // 2 (SIAM J. Sci. Comput. 17 (1996) 16): gamma (|F_k| / |F_k-1|)^alpha
        // with gamma = 0.9 and alpha = (1 + sqrt 5) / 2, measured in the
        // norm the linear solver stops on, the whole residual's.
        const bool eisenstat_walker =
          !options.direct && solver.forcing == "Eisenstat-Walker";
        // (A 'Maximum forcing' below 'Linear tolerance' leaves the latter.)
        const double loosest =
          std::max(solver.maximum_forcing, solver.linear_tolerance);
        double forcing = eisenstat_walker ? loosest : solver.linear_tolerance;
        double previous_residual = residual.l2_norm();
        // Whether the last assembly stored the states at the solution.
        bool states_stored = false;
        for (unsigned int it = 0; it <= solver.max_newton_iterations; ++it)
          {
            if (!std::isfinite(norm))
              {
                result.failure = "the residual is not finite";
                return result;
              }
            result.residual = ionic / scale;
            if (ionic <= residual_tolerance &&
                std::min(last_update, remaining_error) <=
                  solver.update_tolerance)
              {
                result.converged = true;
                break;
              }
            if (it == solver.max_newton_iterations)
              {
                std::ostringstream s;
                s << "Newton did not converge in " << it
                  << " iterations (relative ionic residual " << ionic / scale
                  << ", last update " << last_update << " V)";
                result.failure = s.str();
                return result;
              }
            LA::MPI::Vector rhs(residual);
            rhs *= -1.0;
            update            = 0;
            options.tolerance = forcing;
            const auto start  = std::chrono::steady_clock::now();
            result.linear_iterations +=
              solve_spd(d.jacobian, update, rhs, options);
            result.linear_solve_time +=
              std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                .count();
            constraints.distribute(update);
            result.newton_iterations++;

            // Full Newton step, assembled with its Jacobian; backtrack on
            // the merit function only if it does not decrease. A full step
            // whose update already passes the test below (by itself or by
            // the contraction estimate) most likely ends the iteration: it
            // is assembled without the Jacobian and with the states, which
            // saves the Jacobian and the pass that stores the states (a
            // quarter of the passes at two Newton iterations per solve).
            // Should its ionic residual not pass, the Jacobian follows.
            const double full_update = update.linfty_norm();
            const double full_contraction =
              std::max(full_update / last_update, forcing);
            const double full_remaining =
              last_step_full && full_contraction < 0.5 ?
                full_contraction / (1 - full_contraction) * full_update :
                std::numeric_limits<double>::max();
            const bool last_expected =
              std::min(full_update, full_remaining) <= solver.update_tolerance;
            double step = 1.0;
            trial       = d.solution;
            trial.add(step, update);
            d.ghosted = trial;
            assemble(!last_expected, last_expected, residual);
            states_stored       = last_expected;
            double     new_norm = merit(residual);
            const bool decreased =
              std::isfinite(new_norm) && new_norm <= (1 - 1e-4) * norm;
            if (decreased && last_expected &&
                !(ionic_norm(residual) <= residual_tolerance))
              {
                assemble(true, false, residual);
                states_stored = false;
              }
            if (!decreased)
              {
                states_stored = false;
                for (unsigned int k = 1; k <= 8; ++k)
                  {
                    step *= 0.5;
                    trial = d.solution;
                    trial.add(step, update);
                    d.ghosted = trial;
                    assemble(false, false, residual);
                    new_norm = merit(residual);
                    if (std::isfinite(new_norm) &&
                        new_norm <= (1 - 1e-4 * step) * norm)
                      break;
                  }
                assemble(true, false, residual);
              }
            d.solution = trial;
            update_round_off();
            norm                         = merit(residual);
            ionic                        = ionic_norm(residual);
            const double previous_update = last_update;
            last_update                  = step * update.linfty_norm();
            // An inexact solve's own error, its forcing times the update,
            // bounds the estimate from below.
            const double contraction =
              std::max(last_update / previous_update, forcing);
            remaining_error =
              step == 1.0 && last_step_full && contraction < 0.5 ?
                contraction / (1 - contraction) * last_update :
                std::numeric_limits<double>::max();
            last_step_full = step == 1.0;
            if (eisenstat_walker)
              {
                constexpr double gamma            = 0.9;
                const double     alpha            = 0.5 * (1 + std::sqrt(5.0));
                const double     current_residual = residual.l2_norm();
                const double     ratio = current_residual / previous_residual;
                // Safeguard: no sudden drop of the forcing term while it is
                // still large (Eisenstat and Walker's rule).
                const double safeguard = gamma * std::pow(forcing, alpha);
                forcing                = gamma * std::pow(ratio, alpha);
                if (safeguard > 0.1)
                  forcing = std::max(forcing, safeguard);
                forcing = std::clamp(forcing, solver.linear_tolerance, loosest);
                previous_residual = current_residual;
              }
          }
        // States and observables of the converged step.
        result.preconditioner_set_ups =
          options.direct           ? 0 :
          options.reuse != nullptr ? preconditioner.set_ups :
                                     result.newton_iterations;
        if (!states_stored)
          {
            d.ghosted = d.solution;
            assemble(false, true, residual);
          }
        d.trial_voltage = d.evaluate_voltage();
        if (control == Control::current)
          d.trial_current = current; // equal to the reactions and the leak
      }
    catch (const SolverFailure &e)
      {
        result.converged = false;
        result.failure   = e.what();
      }
    return result;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::commit()
  {
    impl->before_committed       = impl->committed;
    impl->committed_step         = impl->trial_dt;
    impl->committed              = impl->solution;
    impl->cell_state             = impl->cell_state_trial;
    impl->face_state             = impl->face_state_trial;
    impl->released               = impl->released_trial;
    impl->reaction_guess_settled = impl->reaction_guess;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::forget_last_step()
  {
    impl->committed_step = 0;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::set_first_charge(const bool first_charge)
  {
    impl->side_share =
      first_charge ? impl->echem.cathode.first_charge_side_share : 0.0;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::reject()
  {
    impl->solution = impl->committed;
    impl->ghosted  = impl->committed;
    // A rejected attempt leaves no trace: the next one (or a checkpoint
    // written now) starts the local solves where the committed step did.
    impl->reaction_guess = impl->reaction_guess_settled;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::voltage() const
  {
    return impl->trial_voltage;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::current_density() const
  {
    return impl->trial_current;
  }

  template <int dim>
  unsigned int
  CellElectrochemistry<dim>::open_nucleation_gates(const double tolerance)
  {
    unsigned int opened = 0;
    Impl        &d      = *impl;
    // Points that reach their threshold together (within the window) open
    // together, whatever round-off or the mesh says about their order.
    const double window =
      std::max(tolerance, d.echem.plating.nucleation_window);
    for (unsigned int c = 0; c < d.face_state.size(); ++c)
      for (unsigned int q = 0; q * face_slot::size < d.face_state[c].size();
           ++q)
        {
          double *state = &d.face_state[c][q * face_slot::size];
          if (state[face_slot::nucleated] < 0.5 &&
              state[face_slot::delta_phi] + d.nucleation_overpotential[c] <=
                window)
            {
              state[face_slot::nucleated] = 1.0;
              ++opened;
            }
        }
    d.face_state_trial = d.face_state;
    return Utilities::MPI::sum(opened, d.comm);
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::nucleation_margin(const bool committed) const
  {
    const Impl &d      = *impl;
    const auto &states = committed ? d.face_state : d.face_state_trial;
    double      margin = std::numeric_limits<double>::max();
    for (unsigned int c = 0; c < states.size(); ++c)
      for (unsigned int q = 0; q * face_slot::size < states[c].size(); ++q)
        {
          const double *state = &states[c][q * face_slot::size];
          if (state[face_slot::nucleated] < 0.5)
            margin = std::min(margin,
                              state[face_slot::delta_phi] +
                                d.nucleation_overpotential[c]);
        }
    return Utilities::MPI::min(margin, d.comm);
  }

  template class CellElectrochemistry<1>;
  template class CellElectrochemistry<2>;
  template class CellElectrochemistry<3>;
} // namespace anodeless
