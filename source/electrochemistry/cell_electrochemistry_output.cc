#include <deal.II/dofs/dof_tools.h>

#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>

#include <deal.II/lac/vector.h>

#include <deal.II/numerics/data_out.h>

#include <anodeless/core/constants.h>

#include <anodeless/electrochemistry/short_circuit.h>
#include <anodeless/mechanics/cell_mechanics.h>

#include "cell_electrochemistry_impl.h"

#include <set>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    /// Quadrature weights times Jacobians of a cell and of its top face,
    /// from the geometry alone.
    template <int dim>
    struct Geometry
    {
      Geometry(const Quadrature<dim> &q, const Quadrature<dim - 1> &q_face)
        : fe(1)
        , cell(fe, q, update_JxW_values)
        , face(fe, q_face, update_JxW_values)
      {
      }
      FE_Q<dim>         fe;
      FEValues<dim>     cell;
      FEFaceValues<dim> face;
    };
  } // namespace

  template <int dim>
  double
  CellElectrochemistry<dim>::area() const
  {
    return impl->lateral_area;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::active_mass_per_area() const
  {
    const auto &c = impl->echem.cathode;
    return c.active_volume_fraction * c.active_material_density *
           impl->stack.layer(LayerRole::cathode).thickness;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::one_c_current_density() const
  {
    return active_mass_per_area() *
           impl->echem.cathode.reference_specific_capacity / constants::hour;
  }

  template <int dim>
  std::pair<unsigned int, unsigned int>
  CellElectrochemistry<dim>::n_dofs() const
  {
    const auto counts =
      DoFTools::count_dofs_per_fe_component(impl->dof_handler);
    return {static_cast<unsigned int>(counts[0]),
            static_cast<unsigned int>(counts[1])};
  }

  template <int dim>
  std::vector<unsigned int>
  CellElectrochemistry<dim>::unknowns_per_layer() const
  {
    const Impl                                    &d = *impl;
    std::vector<std::set<types::global_dof_index>> on_layer(n_layer_roles + 1);
    std::vector<types::global_dof_index>           dofs;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          dofs.resize(cell->get_fe().n_dofs_per_cell());
          cell->get_dof_indices(dofs);
          for (const auto i : dofs)
            if (d.owned_dofs.is_element(i))
              on_layer[cell->material_id()].insert(i);
        }
    // Each rank counts the unknowns it owns, so the sum counts each once.
    std::vector<unsigned int> counts(on_layer.size());
    for (unsigned int r = 0; r < on_layer.size(); ++r)
      counts[r] = on_layer[r].size();
    Utilities::MPI::sum(counts, d.comm, counts);
    return counts;
  }

  template <int dim>
  LiInventory
  CellElectrochemistry<dim>::inventory() const
  {
    const Impl   &d = *impl;
    Geometry<dim> geometry(d.cell_quadrature[0], d.face_quadrature[0]);
    LiInventory   li;
    const auto   &c   = d.echem.cathode;
    const double  eps = c.active_volume_fraction;
    const double  Q   = d.carbon->parameters().volumetric_capacity;
    const double  C   = d.echem.plating.double_layer_capacitance;
    const double  F   = constants::faraday;
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto  index = cell->active_cell_index();
          const auto &state = d.cell_state[index];
          const auto  role  = role_of_material_id(cell->material_id());
          if (!state.empty())
            {
              geometry.cell.reinit(cell);
              for (unsigned int q = 0; q < geometry.cell.n_quadrature_points;
                   ++q)
                {
                  const double JxW = geometry.cell.JxW(q);
                  if (role == LayerRole::cathode)
                    {
                      li.cathode +=
                        JxW * eps *
                        d.cathode->particle().mean(&state[q * c.shells]);
                      li.from_electrolyte += JxW * d.released[index][q];
                    }
                  else
                    {
                      const double *slots = &state[q * carbon_slot::size];
                      li.carbon += JxW * Q * slots[carbon_slot::filling] / F;
                      li.carbon_trapped +=
                        JxW * Q * slots[carbon_slot::trapped] / F;
                    }
                }
            }
          const auto &face = d.face_state[index];
          if (!face.empty())
            {
              geometry.face.reinit(cell, 2 * dim - 1);
              for (unsigned int q = 0; q < geometry.face.n_quadrature_points;
                   ++q)
                {
                  const double  JxW   = geometry.face.JxW(q);
                  const double *slots = &face[q * face_slot::size];
                  li.films +=
                    JxW * slots[face_slot::film] / d.echem.plating.molar_volume;
                  li.dead += JxW * slots[face_slot::dead];
                  li.sei += JxW * slots[face_slot::sei_lost];
                  li.double_layer -=
                    JxW * C *
                    (face[q * face_slot::size + face_slot::delta_phi] -
                     d.anode_rest_potential) /
                    F;
                }
            }
        }
    li.cathode          = Utilities::MPI::sum(li.cathode, d.comm);
    li.carbon           = Utilities::MPI::sum(li.carbon, d.comm);
    li.films            = Utilities::MPI::sum(li.films, d.comm);
    li.double_layer     = Utilities::MPI::sum(li.double_layer, d.comm);
    li.carbon_trapped   = Utilities::MPI::sum(li.carbon_trapped, d.comm);
    li.dead             = Utilities::MPI::sum(li.dead, d.comm);
    li.sei              = Utilities::MPI::sum(li.sei, d.comm);
    li.from_electrolyte = Utilities::MPI::sum(li.from_electrolyte, d.comm);
    return li;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::mean_carbon_filling() const
  {
    const Impl   &d = *impl;
    Geometry<dim> geometry(d.cell_quadrature[0], d.face_quadrature[0]);
    double        sum = 0, volume = 0;
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() &&
          role_of_material_id(cell->material_id()) == LayerRole::carbon_layer)
        {
          geometry.cell.reinit(cell);
          for (unsigned int q = 0; q < geometry.cell.n_quadrature_points; ++q)
            {
              sum += geometry.cell.JxW(q) *
                     d.cell_state[cell->active_cell_index()]
                                 [q * carbon_slot::size + carbon_slot::filling];
              volume += geometry.cell.JxW(q);
            }
        }
    sum    = Utilities::MPI::sum(sum, d.comm);
    volume = Utilities::MPI::sum(volume, d.comm);
    return volume > 0 ? sum / volume : 0.0;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::mean_cathode_fraction() const
  {
    const LiInventory li = inventory();
    const auto       &c  = impl->echem.cathode;
    const double      volume =
      impl->stack.layer(LayerRole::cathode).thickness * impl->lateral_area;
    return li.cathode /
           (c.active_volume_fraction * volume * c.max_concentration);
  }

  template <int dim>
  std::vector<InterfaceSummary>
  CellElectrochemistry<dim>::interface_summaries() const
  {
    const Impl   &d = *impl;
    Geometry<dim> geometry(d.cell_quadrature[0], d.face_quadrature[0]);
    std::vector<InterfaceSummary> result;
    for (const auto &interface : d.stack.interfaces())
      {
        if (!d.is_candidate_interface(interface.lower, interface.upper))
          continue;
        InterfaceSummary s;
        s.name      = interface.name();
        double film = 0, nucleated = 0;
        for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
          if (cell->is_locally_owned() &&
              !d.face_state[cell->active_cell_index()].empty() &&
              role_of_material_id(cell->material_id()) == interface.lower)
            {
              const auto &face = d.face_state[cell->active_cell_index()];
              geometry.face.reinit(cell, 2 * dim - 1);
              for (unsigned int q = 0; q < geometry.face.n_quadrature_points;
                   ++q)
                {
                  const double JxW = geometry.face.JxW(q);
                  const double h = face[q * face_slot::size + face_slot::film];
                  s.area += JxW;
                  film += JxW * h;
                  s.max_thickness = std::max(s.max_thickness, h);
                  if (face[q * face_slot::size + face_slot::nucleated] > 0.5 ||
                      h > 0)
                    nucleated += JxW;
                }
            }
        s.area               = Utilities::MPI::sum(s.area, d.comm);
        film                 = Utilities::MPI::sum(film, d.comm);
        nucleated            = Utilities::MPI::sum(nucleated, d.comm);
        s.max_thickness      = Utilities::MPI::max(s.max_thickness, d.comm);
        s.mean_thickness     = s.area > 0 ? film / s.area : 0;
        s.nucleated_fraction = s.area > 0 ? nucleated / s.area : 0;
        result.push_back(s);
      }
    return result;
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::plating_focusing() const
  {
    // Over the interface with the largest plating current: the largest
    // local faradaic current density over its area mean.
    const Impl   &d = *impl;
    Geometry<dim> geometry(d.cell_quadrature[0], d.face_quadrature[0]);
    double        best_total = 0, best_ratio = 1;
    for (const auto &interface : d.stack.interfaces())
      {
        if (!d.is_candidate_interface(interface.lower, interface.upper))
          continue;
        double total = 0, area = 0, peak = 0;
        for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
          if (cell->is_locally_owned() &&
              !d.face_state_trial[cell->active_cell_index()].empty() &&
              role_of_material_id(cell->material_id()) == interface.lower)
            {
              const auto &face = d.face_state_trial[cell->active_cell_index()];
              geometry.face.reinit(cell, 2 * dim - 1);
              for (unsigned int q = 0; q < geometry.face.n_quadrature_points;
                   ++q)
                {
                  const double j =
                    std::abs(face[q * face_slot::size + face_slot::faradaic]);
                  total += geometry.face.JxW(q) * j;
                  area += geometry.face.JxW(q);
                  peak = std::max(peak, j);
                }
            }
        total = Utilities::MPI::sum(total, d.comm);
        area  = Utilities::MPI::sum(area, d.comm);
        peak  = Utilities::MPI::max(peak, d.comm);
        if (total > best_total)
          {
            best_total = total;
            best_ratio = peak / (total / area);
          }
      }
    return best_ratio;
  }

  template <int dim>
  std::string
  CellElectrochemistry<dim>::write_fields(const std::string &directory,
                                          const unsigned int index,
                                          const double) const
  {
    const Impl        &d       = *impl;
    const unsigned int n_cells = d.mesh.triangulation->n_active_cells();
    // Cell means of the point values, one field per reaction.
    Vector<float> layer(n_cells), partition(n_cells), rate(n_cells),
      intercalation(n_cells), oxidation(n_cells), lithiation(n_cells),
      li_fraction(n_cells), surface(n_cells), filling(n_cells), film(n_cells),
      plating(n_cells);
    const unsigned int rank =
      dim == 1 ? 0 :
                 Utilities::MPI::this_mpi_process(d.mesh.world_communicator);
    const auto &c = d.echem.cathode;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto  i         = cell->active_cell_index();
          const auto &state     = d.cell_state[i];
          const auto  role      = role_of_material_id(cell->material_id());
          layer(i)              = cell->material_id();
          partition(i)          = rank;
          const unsigned int nq = d.cell_quadrature[0].size();
          for (const double aj : d.reaction_rate[i])
            {
              rate(i) += aj / nq;
              if (role == LayerRole::cathode)
                {
                  // The first charge's electrolyte oxidation rides on the
                  // delithiation current as a share of it (assembly).
                  const double side =
                    aj > 0 ? aj * d.side_share / (1 + d.side_share) : 0.0;
                  intercalation(i) += (aj - side) / nq;
                  oxidation(i) += side / nq;
                }
              else if (role == LayerRole::carbon_layer)
                lithiation(i) += aj / nq;
            }
          if (role == LayerRole::cathode)
            {
              for (unsigned int q = 0; q < nq; ++q)
                {
                  li_fraction(i) +=
                    d.cathode->particle().mean(&state[q * c.shells]) /
                    c.max_concentration / nq;
                  surface(i) += d.surface_fraction[i][q] / nq;
                }
            }
          else if (role == LayerRole::carbon_layer)
            {
              double theta = 0;
              for (unsigned int q = 0; q < nq; ++q)
                theta += state[q * carbon_slot::size + carbon_slot::filling];
              filling(i) = theta / nq;
            }
          const auto        &face = d.face_state[i];
          const unsigned int nf   = face.size() / face_slot::size;
          for (unsigned int q = 0; q < nf; ++q)
            {
              film(i) += face[q * face_slot::size + face_slot::film] / nf;
              plating(i) +=
                face[q * face_slot::size + face_slot::faradaic] / nf;
            }
        }

    DataOut<dim> data_out;
    data_out.attach_dof_handler(d.dof_handler);
    LA::MPI::Vector ghosted(d.owned_dofs, d.relevant_dofs, d.comm);
    ghosted = d.committed;
    data_out.add_data_vector(ghosted,
                             std::vector<std::string>{"phi_s", "phi_e"},
                             DataOut<dim>::type_dof_data);
    data_out.add_data_vector(layer, "material_id");
    data_out.add_data_vector(partition, "partition");
    data_out.add_data_vector(rate, "reaction_rate_A_per_m3");
    data_out.add_data_vector(intercalation, "ncm_intercalation_A_per_m3");
    data_out.add_data_vector(oxidation, "electrolyte_oxidation_A_per_m3");
    data_out.add_data_vector(lithiation, "carbon_lithiation_A_per_m3");
    data_out.add_data_vector(li_fraction, "ncm_li_fraction");
    data_out.add_data_vector(surface, "ncm_surface_li_fraction");
    data_out.add_data_vector(filling, "carbon_filling");
    data_out.add_data_vector(film, "film_thickness_below_top_face_m");
    data_out.add_data_vector(plating,
                             "plating_current_below_top_face_A_per_m2");
    data_out.build_patches();
    if (!d.mesh.writes_own_piece())
      return "";
    return data_out.write_vtu_with_pvtu_record(directory + "/",
                                               "fields",
                                               index,
                                               d.comm,
                                               5);
  }

  template <int dim>
  double
  CellElectrochemistry<dim>::potential_drop(const LayerRole    role,
                                            const unsigned int component) const
  {
    const Impl                      &d     = *impl;
    auto                            &faces = *d.hp_face_values;
    const FEValuesExtractors::Scalar field(component);
    std::vector<double>              values;
    double top = 0, top_area = 0, bottom = 0, bottom_area = 0;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned() &&
          role_of_material_id(cell->material_id()) == role)
        for (const unsigned int f : {2 * dim - 2, 2 * dim - 1})
          {
            const bool at_layer_edge =
              cell->at_boundary(f) ||
              role_of_material_id(cell->neighbor(f)->material_id()) != role;
            if (!at_layer_edge)
              continue;
            faces.reinit(cell, f);
            const auto &face = faces.get_present_fe_values();
            values.resize(face.n_quadrature_points);
            face[field].get_function_values(d.ghosted, values);
            for (unsigned int q = 0; q < values.size(); ++q)
              {
                double &sum  = f == 2 * dim - 1 ? top : bottom;
                double &area = f == 2 * dim - 1 ? top_area : bottom_area;
                sum += values[q] * face.JxW(q);
                area += face.JxW(q);
              }
          }
    top         = Utilities::MPI::sum(top, d.comm);
    top_area    = Utilities::MPI::sum(top_area, d.comm);
    bottom      = Utilities::MPI::sum(bottom, d.comm);
    bottom_area = Utilities::MPI::sum(bottom_area, d.comm);
    return top / top_area - bottom / bottom_area;
  }

  template <int dim>
  std::vector<typename CellElectrochemistry<dim>::ReactionSample>
  CellElectrochemistry<dim>::reaction_samples(const LayerRole role) const
  {
    const Impl                 &d = *impl;
    FE_Q<dim>                   fe(1);
    FEValues<dim>               values(fe,
                         d.cell_quadrature[0],
                         update_quadrature_points | update_JxW_values);
    std::vector<ReactionSample> samples;
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() &&
          role_of_material_id(cell->material_id()) == role &&
          !d.reaction_rate[cell->active_cell_index()].empty())
        {
          values.reinit(cell);
          for (unsigned int q = 0; q < values.n_quadrature_points; ++q)
            samples.push_back({values.quadrature_point(q)[dim - 1],
                               d.reaction_rate[cell->active_cell_index()][q],
                               values.JxW(q)});
        }
    return samples;
  }

  template <int dim>
  std::vector<std::vector<double>>
  CellElectrochemistry<dim>::cathode_li_fraction(const bool trial) const
  {
    const Impl &d      = *impl;
    const auto &states = trial ? d.cell_state_trial : d.cell_state;
    const auto &c      = d.echem.cathode;
    std::vector<std::vector<double>> x(d.cell_state.size());
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() &&
          role_of_material_id(cell->material_id()) == LayerRole::cathode)
        {
          const auto &state = states[cell->active_cell_index()];
          for (unsigned int q = 0; q * c.shells < state.size(); ++q)
            x[cell->active_cell_index()].push_back(
              d.cathode->particle().mean(&state[q * c.shells]) /
              c.max_concentration);
        }
    return x;
  }

  template <int dim>
  std::vector<std::vector<double>>
  CellElectrochemistry<dim>::carbon_filling(const bool trial) const
  {
    const Impl &d      = *impl;
    const auto &states = trial ? d.cell_state_trial : d.cell_state;
    std::vector<std::vector<double>> theta(d.cell_state.size());
    for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() &&
          role_of_material_id(cell->material_id()) == LayerRole::carbon_layer)
        {
          const auto &state = states[cell->active_cell_index()];
          for (unsigned int q = 0; q * carbon_slot::size < state.size(); ++q)
            theta[cell->active_cell_index()].push_back(
              state[q * carbon_slot::size + carbon_slot::filling]);
        }
    return theta;
  }

  template <int dim>
  std::vector<std::vector<double>>
  CellElectrochemistry<dim>::film_thickness(const bool trial) const
  {
    const Impl &d      = *impl;
    const auto &states = trial ? d.face_state_trial : d.face_state;
    std::vector<std::vector<double>> h(states.size());
    for (unsigned int c = 0; c < states.size(); ++c)
      for (unsigned int q = 0; q * face_slot::size < states[c].size(); ++q)
        h[c].push_back(states[c][q * face_slot::size + face_slot::film]);
    return h;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::apply_mechanics(const MechanicalCoupling &coupling)
  {
    impl->ionic_factor      = coupling.ionic_conductivity_factor;
    impl->electronic_factor = coupling.electronic_conductivity_factor;
    impl->contact_factor    = coupling.contact_factor;
    impl->film_pressure     = coupling.film_pressure;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::set_soft_short(const double conductance)
  {
    impl->soft_short = conductance;
  }

  template <int dim>
  std::vector<ContactStatistics>
  CellElectrochemistry<dim>::contact_statistics() const
  {
    const Impl                    &d = *impl;
    std::vector<ContactStatistics> result;
    FE_Q<dim>                      fe(1);
    FEFaceValues<dim> face(fe, d.face_quadrature[0], update_quadrature_points);
    for (const auto &interface : d.stack.interfaces())
      {
        if (interface.upper != LayerRole::separator ||
            !d.is_candidate_interface(interface.lower, interface.upper))
          continue;
        ContactStatistics c;
        c.interface     = interface.name();
        c.halide_below  = interface.lower == LayerRole::halide_layer;
        double position = 0;
        for (const auto &cell : d.mesh.triangulation->active_cell_iterators())
          if (cell->is_locally_owned() &&
              role_of_material_id(cell->material_id()) == interface.lower &&
              !d.face_state_trial[cell->active_cell_index()].empty())
            {
              const auto  index = cell->active_cell_index();
              const auto &slots = d.face_state_trial[index];
              face.reinit(cell, 2 * dim - 1);
              for (unsigned int q = 0; q * face_slot::size < slots.size(); ++q)
                {
                  const double *s = &slots[q * face_slot::size];
                  if (!(s[face_slot::film] > 0 ||
                        s[face_slot::nucleated] > 0.5))
                    continue;
                  c.has_li       = true;
                  const double j = s[face_slot::faradaic];
                  if (std::abs(j) > c.max_current)
                    {
                      c.max_current = std::abs(j);
                      position      = dim > 1 ? face.quadrature_point(q)[0] : 0;
                    }
                  c.max_stripping = std::max(c.max_stripping, j);
                  const double pressure =
                    d.film_pressure.empty() || d.film_pressure[index].empty() ?
                      0.0 :
                      d.film_pressure[index][q];
                  const double eta =
                    s[face_slot::delta_phi] + d.pressure_shift * pressure;
                  if (s[face_slot::film] > 0)
                    c.max_plating_overpotential =
                      std::max(c.max_plating_overpotential, -eta);
                }
            }
        // The position goes with the largest current over all ranks.
        struct
        {
          double value;
          int    rank;
        } local{c.max_current,
                static_cast<int>(Utilities::MPI::this_mpi_process(d.comm))},
          global;
        MPI_Allreduce(&local, &global, 1, MPI_DOUBLE_INT, MPI_MAXLOC, d.comm);
        c.max_current = global.value;
        c.position = Utilities::MPI::broadcast(d.comm, position, global.rank);
        c.has_li   = Utilities::MPI::logical_or(c.has_li, d.comm);
        c.max_stripping = Utilities::MPI::max(c.max_stripping, d.comm);
        c.max_plating_overpotential =
          Utilities::MPI::max(c.max_plating_overpotential, d.comm);
        result.push_back(c);
      }
    return result;
  }

  template class CellElectrochemistry<1>;
  template class CellElectrochemistry<2>;
  template class CellElectrochemistry<3>;
} // namespace anodeless
