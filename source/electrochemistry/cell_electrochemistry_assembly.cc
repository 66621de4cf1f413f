#include <deal.II/fe/fe_values.h>

#include <deal.II/hp/fe_values.h>

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include <anodeless/electrochemistry/charge_conservation.h>

#include <anodeless/core/constants.h>

#include "cell_electrochemistry_impl.h"

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    bool
    carries_phi_s(const unsigned int index)
    {
      return index == fe_index::both || index == fe_index::electronic;
    }

    bool
    carries_phi_e(const unsigned int index)
    {
      return index == fe_index::both || index == fe_index::ionic;
    }
  } // namespace

  template <int dim>
  void
  CellElectrochemistry<dim>::Impl::assemble(const Control    control,
                                            const double     current_density,
                                            const bool       with_jacobian,
                                            const bool       store_states,
                                            LA::MPI::Vector &residual)
  {
    const double dt = trial_dt;
    residual        = 0;
    if (with_jacobian)
      jacobian = 0;
    const auto &constraints_used = constraints(control);

    auto      &hp_values         = *this->hp_values;
    auto      &hp_face           = *hp_face_values;
    auto      &hp_face_neighbor  = *hp_neighbor_face_values;
    const bool compute_responses = !surface_response_valid;

    const FEValuesExtractors::Scalar     phi_s(0), phi_e(1);
    FullMatrix<double>                   local_matrix;
    Vector<double>                       local_residual;
    std::vector<types::global_dof_index> dofs, neighbor_dofs;
    std::vector<double>                  s_values, e_values;
    std::vector<Tensor<1, dim>>          s_gradients, e_gradients;
    std::vector<unsigned int>            components;
    // A cell's unknowns, read from the vector once per cell and side.
    std::vector<double> cell_unknowns, side_unknowns;
    const unsigned int  n_shells = echem.cathode.shells;
    const double        kappa_empty =
      echem.carbon.ionic_conductivity_empty * carbon_ionic_factor;
    const double kappa_full =
      echem.carbon.ionic_conductivity_full * carbon_ionic_factor;
    double cathode_reaction = 0; // integral of a j over the cathode [A]

    for (const auto &cell : dof_handler.active_cell_iterators())
      {
        if (!cell->is_locally_owned())
          continue;
        const unsigned int index   = cell->active_cell_index();
        const unsigned int fe_used = cell->active_fe_index();
        const LayerRole    role    = role_of_material_id(cell->material_id());

        // Bulk: conduction and volumetric reactions.
        if (fe_used != fe_index::none)
          {
            hp_values.reinit(cell);
            const FEValues<dim> &values  = hp_values.get_present_fe_values();
            const auto          &cell_fe = values.get_fe();
            const unsigned int   n       = cell_fe.n_dofs_per_cell();
            const unsigned int   nq      = values.n_quadrature_points;
            local_matrix.reinit(n, n);
            local_residual.reinit(n);
            s_values.assign(nq, 0.0);
            e_values.assign(nq, 0.0);
            s_gradients.assign(nq, Tensor<1, dim>());
            e_gradients.assign(nq, Tensor<1, dim>());
            components.resize(n);
            for (unsigned int i = 0; i < n; ++i)
              components[i] = cell_fe.system_to_component_index(i).first;
            cell_unknowns.resize(n);
            cell->get_dof_values(ghosted,
                                 cell_unknowns.begin(),
                                 cell_unknowns.end());
            if (carries_phi_s(fe_used))
              {
                values[phi_s].get_function_values_from_local_dof_values(
                  cell_unknowns,
                  s_values);
                values[phi_s].get_function_gradients_from_local_dof_values(
                  cell_unknowns,
                  s_gradients);
              }
            if (carries_phi_e(fe_used))
              {
                values[phi_e].get_function_values_from_local_dof_values(
                  cell_unknowns,
                  e_values);
                values[phi_e].get_function_gradients_from_local_dof_values(
                  cell_unknowns,
                  e_gradients);
              }
            // An equipotential foil (one unknown under current control, the
            // cell voltage under voltage control) conducts without loss: its
            // conductances would only add the round-off of their exact
            // cancellation to its rows.
            const double sigma_layer =
              equipotential_foil &&
                  role == LayerRole::cathode_current_collector ?
                0.0 :
                electronic_conductivity[cell->material_id()];
            // Factors from the mechanics (pressing, contact), per point.
            const auto factor = [&](const std::vector<std::vector<double>> &f,
                                    const unsigned int                      q) {
              return f.empty() || f[index].empty() ? 1.0 : f[index][q];
            };
            const bool reacts =
              role == LayerRole::cathode || role == LayerRole::carbon_layer;
            double rate_sum = 0;
            for (unsigned int q = 0; q < nq; ++q)
              {
                const double sigma = sigma_layer * factor(electronic_factor, q);
                double       kappa = ionic_conductivity[cell->material_id()] *
                               factor(ionic_factor, q);
                double aj = 0, daj = 0;
                if (role == LayerRole::carbon_layer)
                  {
                    const double *slots =
                      &cell_state[index][q * carbon_slot::size];
                    const CarbonReaction::State old{
                      slots[carbon_slot::filling],
                      slots[carbon_slot::trapped],
                      slots[carbon_slot::largest]};
                    const double theta = old.filling;
                    kappa = kappa_empty + (kappa_full - kappa_empty) * theta;
                    double    &guess = reaction_guess[index][q];
                    const auto r =
                      carbon->solve(s_values[q] - e_values[q], old, dt, guess);
                    guess = r.current;
                    aj    = carbon_specific_area * r.current;
                    daj   = carbon_specific_area * r.derivative;
                    if (store_states)
                      {
                        const auto next = carbon->advance(old, dt, r.current);
                        double    *trial =
                          &cell_state_trial[index][q * carbon_slot::size];
                        trial[carbon_slot::filling] = next.filling;
                        trial[carbon_slot::trapped] = next.trapped;
                        trial[carbon_slot::largest] = next.largest;
                      }
                  }
                else if (role == LayerRole::cathode)
                  {
                    const double *shells   = &cell_state[index][q * n_shells];
                    double       *response = &surface_response[index][2 * q];
                    if (compute_responses)
                      {
                        const auto s = cathode->surface_response(shells, dt);
                        response[0]  = s.offset;
                        response[1]  = s.slope;
                      }
                    const double contact = factor(contact_factor, q);
                    double      &guess   = reaction_guess[index][q];
                    const auto   r = cathode->solve(s_values[q] - e_values[q],
                                                  {response[0], response[1]},
                                                  guess,
                                                  contact);
                    guess          = r.current;
                    // The first charge's electrolyte oxidation rides on the
                    // delithiation current (r.current > 0: Li leaves).
                    const double side = r.current > 0 ? 1 + side_share : 1.0;
                    aj  = cathode_specific_area * contact * r.current * side;
                    daj = cathode_specific_area * contact * r.derivative * side;
                    if (store_states)
                      released_trial[index][q] =
                        released[index][q] +
                        (side - 1) * cathode_specific_area * contact *
                          r.current * dt / constants::faraday;
                    if (store_states)
                      surface_fraction[index][q] =
                        cathode->surface_fraction({response[0], response[1]},
                                                  r.current,
                                                  contact);
                    if (store_states)
                      cathode->advance(shells,
                                       dt,
                                       r.current,
                                       &cell_state_trial[index][q * n_shells],
                                       contact);
                  }
                rate_sum += aj * values.JxW(q);
                if (store_states && reacts)
                  reaction_rate[index][q] = aj;
                add_charge_conservation(values,
                                        q,
                                        components,
                                        s_gradients[q],
                                        e_gradients[q],
                                        sigma,
                                        kappa,
                                        aj,
                                        daj,
                                        with_jacobian,
                                        local_matrix,
                                        local_residual);
              }
            if (role == LayerRole::cathode)
              cathode_reaction += rate_sum;

            // The applied current on the top face, and a soft short from it
            // to the grounded bottom (a Robin term).
            if (control == Control::current || soft_short > 0)
              for (const unsigned int f : cell->face_indices())
                if (cell->at_boundary(f) &&
                    cell->face(f)->boundary_id() == boundary_ids::top)
                  {
                    hp_face.reinit(cell, f);
                    const auto         &face = hp_face.get_present_fe_values();
                    std::vector<double> top(face.n_quadrature_points);
                    face[phi_s].get_function_values(ghosted, top);
                    for (unsigned int q = 0; q < face.n_quadrature_points; ++q)
                      {
                        const double flux =
                          (control == Control::current ? current_density :
                                                         0.0) +
                          soft_short * top[q];
                        for (unsigned int i = 0; i < n; ++i)
                          if (components[i] == 0)
                            {
                              const double vi = face.shape_value(i, q);
                              local_residual(i) += flux * vi * face.JxW(q);
                              if (with_jacobian && soft_short > 0)
                                for (unsigned int j = 0; j < n; ++j)
                                  if (components[j] == 0)
                                    local_matrix(i, j) +=
                                      soft_short * vi * face.shape_value(j, q) *
                                      face.JxW(q);
                            }
                      }
                  }

            dofs.resize(n);
            cell->get_dof_indices(dofs);
            if (with_jacobian)
              constraints_used.distribute_local_to_global(local_matrix,
                                                          local_residual,
                                                          dofs,
                                                          jacobian,
                                                          residual);
            else
              constraints_used.distribute_local_to_global(local_residual,
                                                          dofs,
                                                          residual);
          }

        // Interface: plating/stripping and the double layer, assembled by the
        // owner of the lower cell.
        if (face_state[index].empty())
          continue;
        const unsigned int top      = 2 * dim - 1;
        const auto         neighbor = cell->neighbor(top);
        const unsigned int below    = fe_used;
        const unsigned int above    = neighbor->active_fe_index();
        // Which side provides phi_s and phi_e (0 lower, 1 upper, -1 none).
        int s_side = -1, e_side = -1;
        if (above == fe_index::both)
          s_side = e_side = 1;
        else if (below == fe_index::both)
          s_side = e_side = 0;
        else
          {
            s_side = carries_phi_s(below) ? 0 : (carries_phi_s(above) ? 1 : -1);
            e_side = carries_phi_e(above) ? 1 : (carries_phi_e(below) ? 0 : -1);
          }
        if (s_side < 0 || e_side < 0)
          continue; // no electrons or no ions here: nothing can react

        hp_face.reinit(cell, top);
        hp_face_neighbor.reinit(neighbor, cell->neighbor_of_neighbor(top));
        const FEFaceValues<dim> *side[2] = {
          &hp_face.get_present_fe_values(),
          &hp_face_neighbor.get_present_fe_values()};
        const auto        &lower_face = *side[0];
        const unsigned int nq         = lower_face.n_quadrature_points;
        const auto        &s_face     = *side[s_side];
        const auto        &e_face     = *side[e_side];
        s_values.assign(nq, 0.0);
        e_values.assign(nq, 0.0);
        // Local unknowns: the s-side cell, then the e-side cell if different.
        const typename DoFHandler<dim>::active_cell_iterator side_cell[2] =
          {cell, neighbor};
        for (const int side_index : {s_side, e_side})
          {
            const auto &side = side_cell[side_index];
            side_unknowns.resize(side->get_fe().n_dofs_per_cell());
            side->get_dof_values(ghosted,
                                 side_unknowns.begin(),
                                 side_unknowns.end());
            if (side_index == s_side)
              s_face[phi_s].get_function_values_from_local_dof_values(
                side_unknowns,
                s_values);
            if (side_index == e_side)
              e_face[phi_e].get_function_values_from_local_dof_values(
                side_unknowns,
                e_values);
          }
        dofs.resize(side_cell[s_side]->get_fe().n_dofs_per_cell());
        side_cell[s_side]->get_dof_indices(dofs);
        const unsigned int n_s = dofs.size();
        if (e_side != s_side)
          {
            neighbor_dofs.resize(side_cell[e_side]->get_fe().n_dofs_per_cell());
            side_cell[e_side]->get_dof_indices(neighbor_dofs);
            dofs.insert(dofs.end(), neighbor_dofs.begin(), neighbor_dofs.end());
          }
        const unsigned int n = dofs.size();
        // Signed test function of local unknown k at point q: +phi for phi_s
        // unknowns, -phi for phi_e unknowns.
        const auto signed_shape = [&](const unsigned int k,
                                      const unsigned int q) {
          const bool               from_s = k < n_s;
          const FEFaceValues<dim> &face   = from_s ? s_face : e_face;
          const unsigned int       local  = from_s ? k : k - n_s;
          const unsigned int       component =
            face.get_fe().system_to_component_index(local).first;
          if (e_side == s_side)
            return (component == 0 ? 1.0 : -1.0) * face.shape_value(local, q);
          if (from_s)
            return component == 0 ? face.shape_value(local, q) : 0.0;
          return component == 1 ? -face.shape_value(local, q) : 0.0;
        };
        local_matrix.reinit(n, n);
        local_residual.reinit(n);
        std::vector<double> shape(n);
        for (unsigned int q = 0; q < nq; ++q)
          {
            const PlatingReaction::State old =
              plating_state(&face_state[index][q * face_slot::size]);
            const auto  &losses    = interface_losses[index];
            const double delta_phi = s_values[q] - e_values[q];
            // Pressure on the film raises the Li chemical potential:
            // eta = dphi + (Omega_Li p_Li - Omega_Li+ p_SE)/F, with p_SE
            // taken equal to the normal pressure p_Li.
            const double pressure =
              film_pressure.empty() || film_pressure[index].empty() ?
                0.0 :
                film_pressure[index][q];
            const auto   r   = plating->solve(delta_phi,
                                          old,
                                          dt,
                                          losses,
                                          pressure_shift * pressure);
            const double j   = r.faradaic + r.capacitive;
            const double JxW = lower_face.JxW(q);
            for (unsigned int k = 0; k < n; ++k)
              shape[k] = signed_shape(k, q);
            for (unsigned int k = 0; k < n; ++k)
              {
                local_residual(k) += JxW * j * shape[k];
                if (with_jacobian)
                  for (unsigned int l = 0; l < n; ++l)
                    local_matrix(k, l) +=
                      JxW * r.derivative * shape[k] * shape[l];
              }
            if (store_states)
              {
                const auto next =
                  plating->advance(old, delta_phi, dt, r, losses);
                double *trial = &face_state_trial[index][q * face_slot::size];
                trial[face_slot::film]       = next.film_thickness;
                trial[face_slot::delta_phi]  = next.delta_phi;
                trial[face_slot::nucleated]  = next.nucleated ? 1.0 : 0.0;
                trial[face_slot::faradaic]   = r.faradaic;
                trial[face_slot::dead]       = next.dead;
                trial[face_slot::sei_charge] = next.sei_charge;
                trial[face_slot::sei_lost]   = next.sei_lost;
              }
          }
        if (with_jacobian)
          constraints_used.distribute_local_to_global(local_matrix,
                                                      local_residual,
                                                      dofs,
                                                      jacobian,
                                                      residual);
        else
          constraints_used.distribute_local_to_global(local_residual,
                                                      dofs,
                                                      residual);
      }
    surface_response_valid = true;
    residual.compress(VectorOperation::add);
    if (with_jacobian)
      jacobian.compress(VectorOperation::add);
    if (store_states)
      trial_current =
        -Utilities::MPI::sum(cathode_reaction, comm) / lateral_area;
  }

  template class CellElectrochemistry<1>;
  template class CellElectrochemistry<2>;
  template class CellElectrochemistry<3>;
} // namespace anodeless
