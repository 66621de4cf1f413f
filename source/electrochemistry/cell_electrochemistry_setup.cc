#include <deal.II/base/function.h>

#include <deal.II/distributed/tria_base.h>

#include <deal.II/dofs/dof_tools.h>

#include <deal.II/fe/fe_nothing.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>

#include <deal.II/grid/tria.h>

#include <deal.II/hp/fe_values.h>

#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparsity_tools.h>

#include <deal.II/numerics/vector_tools_boundary.h>

#include <anodeless/core/constants.h>
#include <anodeless/core/errors.h>
#include <anodeless/materials/material_library.h>
#include <anodeless/materials/nmc811.h>

#include "cell_electrochemistry_impl.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  CellElectrochemistry<dim>::Impl::Impl(const RunParameters &parameters,
                                        const LayerStack    &stack,
                                        StackMesh<dim>      &mesh,
                                        const double         temperature)
    : parameters(parameters)
    , echem(parameters.electrochemistry)
    , stack(stack)
    , mesh(mesh)
    , temperature(temperature)
    , comm(mesh.field_communicator)
    , lateral_area(anodeless::lateral_area<dim>(parameters.stack))
    , dof_handler(*mesh.triangulation)
  {
    const FE_Q<dim>       q1(1);
    const FE_Nothing<dim> nothing;
    fe.push_back(FESystem<dim>(q1, 1, q1, 1));           // both
    fe.push_back(FESystem<dim>(q1, 1, nothing, 1));      // electronic
    fe.push_back(FESystem<dim>(nothing, 1, q1, 1));      // ionic
    fe.push_back(FESystem<dim>(nothing, 1, nothing, 1)); // none
    for (unsigned int i = 0; i < fe.size(); ++i)
      {
        cell_quadrature.push_back(QGauss<dim>(2));
        face_quadrature.push_back(QGauss<dim - 1>(2));
      }
    hp_values =
      std::make_unique<hp::FEValues<dim>>(fe,
                                          cell_quadrature,
                                          update_values | update_gradients |
                                            update_JxW_values);
    hp_face_values =
      std::make_unique<hp::FEFaceValues<dim>>(fe,
                                              face_quadrature,
                                              update_values |
                                                update_JxW_values);
    hp_neighbor_face_values =
      std::make_unique<hp::FEFaceValues<dim>>(fe,
                                              face_quadrature,
                                              update_values);
  }

  template <int dim>
  bool
  CellElectrochemistry<dim>::Impl::is_candidate_interface(
    const LayerRole lower,
    const LayerRole upper) const
  {
    // Li plates on the anode side: under the carbon layer or the separator,
    // on a layer that can deliver electrons.
    const bool upper_ok =
      upper == LayerRole::carbon_layer || upper == LayerRole::separator;
    const bool lower_ok = lower == LayerRole::anode_current_collector ||
                          lower == LayerRole::halide_layer ||
                          lower == LayerRole::lithiophilic_layer ||
                          lower == LayerRole::carbon_layer;
    return upper_ok && lower_ok && lower != upper;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::Impl::nucleation_overpotential_of(
    const LayerRole lower) const
  {
    switch (lower)
      {
        case LayerRole::anode_current_collector:
          return echem.plating.nucleation_on_collector;
        case LayerRole::halide_layer:
          return echem.plating.nucleation_on_halide;
        case LayerRole::lithiophilic_layer:
          return echem.plating.nucleation_on_lithiophilic;
        default:
          return echem.plating.nucleation_on_carbon;
      }
  }

  template <int dim>
  PlatingReaction::Interface
  CellElectrochemistry<dim>::Impl::losses_of(const LayerRole lower,
                                             const LayerRole upper) const
  {
    const auto                &p = echem.plating;
    PlatingReaction::Interface losses;
    switch (lower)
      {
        case LayerRole::anode_current_collector:
          losses.dead_fraction = p.dead_on_collector;
          break;
        case LayerRole::halide_layer:
          losses.dead_fraction = p.dead_on_halide;
          break;
        case LayerRole::lithiophilic_layer:
          losses.dead_fraction = p.dead_on_lithiophilic;
          break;
        default:
          losses.dead_fraction = p.dead_on_carbon;
      }
    // Li grown against the separator touches the solid electrolyte.
    if (upper == LayerRole::separator)
      losses.sei_rate =
        p.sei_rate_constant * p.sei_rate_constant *
        arrhenius_factor(p.sei_activation_energy, temperature, 298.15);
    return losses;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::Impl::set_layer_properties()
  {
    const auto &materials = parameters.materials;
    const auto  material  = [&](const LayerRole role) -> const Material  &{
      return materials.get(
        parameters.stack.layers[static_cast<unsigned int>(role)].material);
    };
    const auto id = [](const LayerRole role) {
      return static_cast<unsigned int>(role);
    };
    const double T = temperature;
    const auto  &c = echem.cathode;
    const auto  &k = echem.carbon;

    electronic_conductivity.fill(0);
    ionic_conductivity.fill(0);
    for (const auto role : {LayerRole::anode_current_collector,
                            LayerRole::lithiophilic_layer,
                            LayerRole::cathode_current_collector})
      electronic_conductivity[id(role)] =
        material(role).electronic_conductivity_at(T);
    // The halide layer conducts electrons only at spots: averaged in 1D,
    // explicit cells in 2D/3D.
    electronic_conductivity[id(LayerRole::halide_layer)] =
      dim == 1 ?
        echem.halide.spot_area_fraction * echem.halide.spot_conductivity :
        0.0;
    electronic_conductivity[halide_spot_material_id] =
      echem.halide.spot_conductivity;
    electronic_conductivity[id(LayerRole::carbon_layer)] =
      material(LayerRole::carbon_layer).electronic_conductivity_at(T) *
      std::pow(1 - k.porosity, k.bruggeman_exponent);
    electronic_conductivity[id(LayerRole::cathode)] =
      material(LayerRole::cathode).electronic_conductivity_at(T) *
      std::pow(c.active_volume_fraction, c.bruggeman_exponent);
    ionic_conductivity[id(LayerRole::separator)] =
      material(LayerRole::separator).ionic_conductivity_at(T);
    ionic_conductivity[id(LayerRole::cathode)] =
      material(LayerRole::cathode).ionic_conductivity_at(T) *
      std::pow(c.electrolyte_volume_fraction, c.bruggeman_exponent);
    carbon_ionic_factor =
      arrhenius_factor(k.ionic_activation_energy, T, 298.15);

    // Reactions
    const double f = constants::faraday / (constants::gas_constant * T);
    ButlerVolmer cathode_kinetics{c.transfer_coefficient,
                                  1 - c.transfer_coefficient,
                                  f};
    if (!c.ocp_file.empty())
      custom_ocp = std::make_unique<MonotoneTable>(read_ocp_table(c.ocp_file));
    diffusivity =
      std::make_unique<Nmc811Diffusivity>(c.diffusivity_model,
                                          c.diffusivity,
                                          c.diffusivity_activation_energy,
                                          T);
    // j0 = k x^a_c (1-x)^a_a equals the reference value at x = 0.5.
    const double rate_constant =
      c.exchange_current_density /
      (std::pow(0.5, 1 - c.transfer_coefficient) *
       std::pow(0.5, c.transfer_coefficient)) *
      arrhenius_factor(c.kinetics_activation_energy, T, 298.15);
    cathode = std::make_unique<CathodeReaction>(
      CathodeReaction::Data{c.particle_radius,
                            c.shells,
                            c.max_concentration,
                            rate_constant,
                            c.contact_fraction,
                            cathode_kinetics},
      custom_ocp ? *custom_ocp : nmc811_ocp_zhuo2023(),
      *diffusivity);
    cathode_specific_area =
      3 * c.active_volume_fraction * c.contact_fraction / c.particle_radius;

    const double carbon_mass_per_volume =
      (1 - k.porosity) * material(LayerRole::carbon_layer).density *
      k.carbon_mass_fraction;
    carbon_specific_area =
      carbon_mass_per_volume * k.specific_surface_area * k.active_area_fraction;
    carbon = std::make_unique<CarbonReaction>(CarbonReaction::Data{
      k.ocp_amplitude,
      k.ocp_exponent,
      carbon_mass_per_volume * k.specific_capacity,
      carbon_specific_area,
      k.exchange_current_density *
        arrhenius_factor(k.kinetics_activation_energy, T, 298.15),
      k.trapped_fraction,
      ButlerVolmer{0.5, 0.5, f}});

    const auto &p = echem.plating;
    plating       = std::make_unique<PlatingReaction>(PlatingReaction::Data{
      p.exchange_current_density,
      p.molar_volume,
      p.double_layer_capacitance,
      ButlerVolmer{p.transfer_coefficient, 1 - p.transfer_coefficient, f}});

    pressure_shift =
      (p.molar_volume - parameters.mechanics.li_ion_molar_volume) /
      constants::faraday;
    anode_rest_potential = stack.has(LayerRole::carbon_layer) ?
                             carbon->ocp(k.initial_filling) :
                             p.bare_rest_potential;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::Impl::assign_fe_indices()
  {
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          cell->set_active_fe_index(
            fe_index::of_material(cell->material_id(), dim));
        }
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::Impl::distribute_dofs()
  {
    dof_handler.distribute_dofs(fe);
    owned_dofs = dof_handler.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dof_handler, relevant_dofs);

    // Under current control the cathode current collector hangs on the rest
    // of the cell only through the reactions: its phi_s values differ by
    // round-off of conductances 1e9 times larger than those couplings, and a
    // factorization returns updates with 1 % residuals (seen with 40 lateral
    // cells in a 20 um window). A foil whose ohmic drop is negligible is
    // therefore one unknown: at 100 A/m^2 (2.6C for the Example) through its
    // thickness t or across a window of width w (w^2 / t), the drop must stay
    // below 1e-9 V; 18 um of Al in a 20 um window: 6e-11 V.
    equipotential_foil = false;
    if (stack.has(LayerRole::cathode_current_collector))
      {
        const double t =
          stack.layer(LayerRole::cathode_current_collector).thickness;
        const double w     = dim == 1 ? 0.0 :
                             dim == 2 ? parameters.stack.lateral_width :
                                        std::max(parameters.stack.lateral_width,
                                             parameters.stack.lateral_depth);
        const double sigma = electronic_conductivity[static_cast<unsigned int>(
          LayerRole::cathode_current_collector)];
        equipotential_foil = 100.0 * std::max(t, w * w / t) < 1e-9 * sigma;
      }
    std::vector<types::global_dof_index> foil_dofs, cell_dofs;
    if (equipotential_foil)
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (!cell->is_artificial() &&
            role_of_material_id(cell->material_id()) ==
              LayerRole::cathode_current_collector)
          {
            cell_dofs.resize(cell->get_fe().n_dofs_per_cell());
            cell->get_dof_indices(cell_dofs);
            for (unsigned int i = 0; i < cell_dofs.size(); ++i)
              if (cell->get_fe().system_to_component_index(i).first == 0)
                foil_dofs.push_back(cell_dofs[i]);
          }
    const types::global_dof_index foil_unknown = Utilities::MPI::min(
      foil_dofs.empty() ? std::numeric_limits<types::global_dof_index>::max() :
                          *std::min_element(foil_dofs.begin(), foil_dofs.end()),
      comm);
    if (foil_unknown != std::numeric_limits<types::global_dof_index>::max())
      relevant_dofs.add_index(foil_unknown);

    // Hanging-node constraints next to FE_Nothing cells can come out as empty
    // lines (x = 0) in deal.II 9.4; keep only lines with entries.
    AffineConstraints<double> hanging(relevant_dofs);
    DoFTools::make_hanging_node_constraints(dof_handler, hanging);
    hanging.close();
    AffineConstraints<double> common(relevant_dofs);
    for (const auto &line : hanging.get_lines())
      if (!line.entries.empty())
        {
          common.add_line(line.index);
          common.add_entries(line.index, line.entries);
        }
    const ComponentMask phi_s_only(std::vector<bool>{true, false});
    VectorTools::interpolate_boundary_values(dof_handler,
                                             boundary_ids::bottom,
                                             Functions::ZeroFunction<dim>(2),
                                             common,
                                             phi_s_only);
    current_constraints.clear();
    current_constraints.reinit(relevant_dofs);
    current_constraints.merge(common);
    for (const auto i : foil_dofs)
      if (i != foil_unknown && !current_constraints.is_constrained(i))
        {
          current_constraints.add_line(i);
          current_constraints.add_entry(i, foil_unknown, 1.0);
        }
    voltage_constraints.clear();
    voltage_constraints.reinit(relevant_dofs);
    voltage_constraints.merge(common);
    VectorTools::interpolate_boundary_values(dof_handler,
                                             boundary_ids::top,
                                             Functions::ZeroFunction<dim>(2),
                                             voltage_constraints,
                                             phi_s_only);
    // Under voltage control an equipotential foil is at the cell voltage as
    // a whole: the hanging nodes of a refined foil would otherwise pair its
    // conductances with round-off updates the line search cannot resolve.
    top_phi_s_dofs = DoFTools::extract_boundary_dofs(dof_handler,
                                                     phi_s_only,
                                                     {boundary_ids::top});
    for (const auto i : foil_dofs)
      {
        if (!voltage_constraints.is_constrained(i))
          voltage_constraints.add_line(i);
        if (owned_dofs.is_element(i))
          top_phi_s_dofs.add_index(i);
      }
    current_constraints.close();
    voltage_constraints.close();
    phi_e_dofs =
      DoFTools::extract_dofs(dof_handler,
                             ComponentMask(std::vector<bool>{false, true}));

    DynamicSparsityPattern dsp(relevant_dofs);
    DoFTools::make_sparsity_pattern(dof_handler,
                                    dsp,
                                    current_constraints,
                                    true);
    // Couplings across candidate plating interfaces.
    std::vector<types::global_dof_index> lower, upper;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() &&
          !face_state[cell->active_cell_index()].empty())
        {
          const auto neighbor = cell->neighbor(2 * dim - 1);
          lower.resize(cell->get_fe().n_dofs_per_cell());
          upper.resize(neighbor->get_fe().n_dofs_per_cell());
          cell->get_dof_indices(lower);
          neighbor->get_dof_indices(upper);
          lower.insert(lower.end(), upper.begin(), upper.end());
          current_constraints.add_entries_local_to_global(lower, dsp, true);
        }
    SparsityTools::distribute_sparsity_pattern(dsp,
                                               owned_dofs,
                                               comm,
                                               relevant_dofs);
    factorization.clear();
    jacobian.reinit(owned_dofs, owned_dofs, dsp, comm);
    solution.reinit(owned_dofs, comm);
    committed.reinit(owned_dofs, comm);
    before_committed.reinit(owned_dofs, comm);
    committed_step = 0;
    ghosted.reinit(owned_dofs, relevant_dofs, comm);
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::Impl::initialize_states()
  {
    const unsigned int n_cells = mesh.triangulation->n_active_cells();
    cell_state.assign(n_cells, {});
    surface_response.assign(n_cells, {});
    face_state.assign(n_cells, {});
    nucleation_overpotential.assign(n_cells, 0.0);
    interface_losses.assign(n_cells, PlatingReaction::Interface());
    reaction_rate.assign(n_cells, {});
    const unsigned int nq      = cell_quadrature[0].size();
    const unsigned int nq_face = face_quadrature[0].size();
    const auto        &c       = echem.cathode;
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto index = cell->active_cell_index();
          const auto role  = role_of_material_id(cell->material_id());
          if (role == LayerRole::cathode)
            {
              cell_state[index].assign(nq * c.shells,
                                       c.initial_li_fraction *
                                         c.max_concentration);
              surface_response[index].assign(2 * nq, 0.0);
            }
          else if (role == LayerRole::carbon_layer)
            {
              cell_state[index].assign(nq * carbon_slot::size, 0.0);
              for (unsigned int q = 0; q < nq; ++q)
                {
                  double *slots = &cell_state[index][q * carbon_slot::size];
                  slots[carbon_slot::filling] = echem.carbon.initial_filling;
                  slots[carbon_slot::largest] = echem.carbon.initial_filling;
                }
            }

          const unsigned int top = 2 * dim - 1;
          if (!cell->at_boundary(top))
            {
              const auto upper =
                role_of_material_id(cell->neighbor(top)->material_id());
              if (is_candidate_interface(role, upper))
                {
                  face_state[index].assign(nq_face * face_slot::size, 0.0);
                  for (unsigned int q = 0; q < nq_face; ++q)
                    face_state[index]
                              [q * face_slot::size + face_slot::delta_phi] =
                                anode_rest_potential;
                  nucleation_overpotential[index] =
                    nucleation_overpotential_of(role);
                  interface_losses[index] = losses_of(role, upper);
                }
            }
        }
    cell_state_trial = cell_state;
    face_state_trial = face_state;
    reaction_guess.assign(n_cells, {});
    for (unsigned int c = 0; c < n_cells; ++c)
      if (!cell_state[c].empty())
        {
          reaction_guess[c].assign(nq, 0.0);
          reaction_rate[c].assign(nq, 0.0);
        }
    reaction_guess_settled = reaction_guess;
    released.assign(n_cells, {});
    surface_fraction.assign(n_cells, {});
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() &&
          role_of_material_id(cell->material_id()) == LayerRole::cathode)
        {
          released[cell->active_cell_index()].assign(nq, 0.0);
          surface_fraction[cell->active_cell_index()]
            .assign(nq, c.initial_li_fraction);
        }
    released_trial = released;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::Impl::set_initial_potentials()
  {
    // Equilibrium at rest: every reaction at its open-circuit potential.
    const double x0      = echem.cathode.initial_li_fraction;
    const double u_anode = anode_rest_potential;
    const double u_cathode =
      (custom_ocp ? *custom_ocp : nmc811_ocp_zhuo2023()).value(x0);
    std::vector<types::global_dof_index> dofs;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto role = role_of_material_id(cell->material_id());
          const bool cathode_side =
            role == LayerRole::cathode ||
            role == LayerRole::cathode_current_collector;
          dofs.resize(cell->get_fe().n_dofs_per_cell());
          cell->get_dof_indices(dofs);
          for (unsigned int i = 0; i < dofs.size(); ++i)
            if (owned_dofs.is_element(dofs[i]))
              {
                const unsigned int component =
                  cell->get_fe().system_to_component_index(i).first;
                solution[dofs[i]] =
                  component == 1 ? -u_anode :
                                   (cathode_side ? u_cathode - u_anode : 0.0);
              }
        }
    solution.compress(VectorOperation::insert);
    committed = solution;
    ghosted   = solution;
  }

  template <int dim>
  CellElectrochemistry<dim>::CellElectrochemistry(
    const RunParameters &parameters,
    const LayerStack    &stack,
    StackMesh<dim>      &mesh,
    const double         temperature)
    : impl(std::make_unique<Impl>(parameters, stack, mesh, temperature))
  {
  }

  template <int dim>
  CellElectrochemistry<dim>::~CellElectrochemistry() = default;

  template <int dim>
  void
  CellElectrochemistry<dim>::setup()
  {
    impl->set_layer_properties();
    impl->assign_fe_indices();
    impl->initialize_states();
    impl->distribute_dofs();
    impl->set_initial_potentials();
    impl->trial_voltage = impl->evaluate_voltage();
    impl->trial_current = 0;
  }

  template class CellElectrochemistry<1>;
  template class CellElectrochemistry<2>;
  template class CellElectrochemistry<3>;
} // namespace anodeless
