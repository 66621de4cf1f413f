// What the electrochemistry gives to and takes from a change of the mesh:
// error indicators, the cells to resolve, and the per-cell records split
// into children or merged into a parent.
#include <deal.II/base/geometry_info.h>

#include <anodeless/geometry/mesh_refinement.h>
#include <anodeless/io/cell_record_io.h>
#include <anodeless/mechanics/cell_mechanics.h>

#include "cell_electrochemistry_impl.h"

#include <cmath>
#include <optional>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    template <int dim>
    double
    q1_derivative(const unsigned int v, const Point<dim> &p, unsigned int d)
    {
      double value = (v >> d) & 1 ? 1 : -1;
      for (unsigned int e = 0; e < dim; ++e)
        if (e != d)
          value *= (v >> e) & 1 ? p[e] : 1 - p[e];
      return value;
    }

  } // namespace

  template <int dim>
  std::vector<float>
  CellElectrochemistry<dim>::refinement_indicators() const
  {
    Impl &d   = *impl;
    d.ghosted = d.committed;
    std::vector<float> indicators(d.mesh.triangulation->n_active_cells(), 0);
    if constexpr (dim == 1)
      return indicators; // 1D meshes are not adapted
    else
      {
        // Conductivity of each potential per material; the carbon layer's
        // ionic conductivity depends on its filling, its empty value is the
        // scale here.
        const auto conductivity = [&](const unsigned int material,
                                      const unsigned int component) {
          if (component == 0)
            return d.electronic_conductivity[material];
          if (role_of_material_id(material) == LayerRole::carbon_layer)
            return d.echem.carbon.ionic_conductivity_empty *
                   d.carbon_ionic_factor;
          return d.ionic_conductivity[material];
        };
        // Gradient component d of a potential at a physical point of an
        // axis-parallel Q1 cell.
        const auto derivative = [](const auto                &cell,
                                   const std::vector<double> &values,
                                   const unsigned int         component,
                                   const Point<dim>          &x,
                                   const unsigned int         direction) {
          const auto      &fe     = cell->get_fe();
          const Point<dim> corner = cell->vertex(0);
          const Point<dim> far    = cell->vertex((1u << dim) - 1);
          Point<dim>       p;
          for (unsigned int e = 0; e < dim; ++e)
            p[e] = (x[e] - corner[e]) / (far[e] - corner[e]);
          double value = 0;
          for (unsigned int i = 0; i < values.size(); ++i)
            {
              const auto [c, v] = fe.system_to_component_index(i);
              if (c == component)
                value += values[i] * q1_derivative<dim>(v, p, direction);
            }
          return value / (far[direction] - corner[direction]);
        };

        for (const auto &cell : d.dof_handler.active_cell_iterators())
          {
            if (!cell->is_locally_owned() ||
                cell->get_fe().n_dofs_per_cell() == 0)
              continue;
            const auto mine = cell_unknowns(cell, d.ghosted);
            double     sum  = 0;
            const auto add  = [&](const auto        &other,
                                 const Point<dim>  &x,
                                 const unsigned int direction,
                                 const double       h,
                                 const double       area) {
              const auto theirs = cell_unknowns(other, d.ghosted);
              for (unsigned int component = 0; component < 2; ++component)
                {
                  const double k = conductivity(cell->material_id(), component);
                  if (k <= 0 || cell->get_fe().n_dofs_per_cell() !=
                                  other->get_fe().n_dofs_per_cell())
                    continue;
                  const double jump =
                    k * (derivative(cell, mine, component, x, direction) -
                         derivative(other, theirs, component, x, direction));
                  sum += h * area * jump * jump;
                }
            };
            for (const unsigned int f : cell->face_indices())
              {
                if (cell->at_boundary(f))
                  continue;
                const unsigned int direction = f / 2;
                const auto         neighbor  = cell->neighbor(f);
                if (neighbor->material_id() != cell->material_id())
                  continue;
                if (neighbor->has_children())
                  for (unsigned int s = 0; s < cell->face(f)->n_children(); ++s)
                    {
                      const auto sub   = cell->face(f)->child(s);
                      const auto child = cell->neighbor_child_on_subface(f, s);
                      add(child,
                          sub->center(),
                          direction,
                          sub->diameter(),
                          sub->measure());
                    }
                else
                  add(neighbor,
                      cell->face(f)->center(),
                      direction,
                      cell->face(f)->diameter(),
                      cell->face(f)->measure());
              }
            indicators[cell->active_cell_index()] = std::sqrt(sum);
          }
        return indicators;
      }
  }

  template <int dim>
  std::vector<bool>
  CellElectrochemistry<dim>::cells_to_resolve() const
  {
    const Impl       &d = *impl;
    std::vector<bool> resolve(d.mesh.triangulation->n_active_cells(), false);
    const bool        films = d.parameters.refinement.refine_growing_films;
    for (const auto &cell : d.dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const unsigned int c = cell->active_cell_index();
          if (cell->material_id() == halide_spot_material_id)
            resolve[c] = true;
          const auto &face = d.face_state[c];
          if (films)
            for (unsigned int q = 0; q < face.size() / face_slot::size; ++q)
              {
                const double *slots = &face[q * face_slot::size];
                if (slots[face_slot::nucleated] > 0.5 &&
                    slots[face_slot::faradaic] < 0)
                  resolve[c] = true;
              }
        }
    return resolve;
  }

  template <int dim>
  std::vector<std::vector<double>>
  CellElectrochemistry<dim>::split_record(
    const unsigned int         material_id,
    const std::vector<double> &parent) const
  {
    const Impl        &d        = *impl;
    const auto        &fe       = d.fe[fe_index::of_material(material_id, dim)];
    const unsigned int children = GeometryInfo<dim>::max_children_per_cell;
    const unsigned int top_bit  = 1u << (dim - 1);
    const unsigned int nq       = d.cell_quadrature[0].size();
    const unsigned int nq_face  = d.face_quadrature[0].size();

    CellRecord                       in(parent);
    std::vector<std::vector<double>> records(children);
    std::vector<CellRecord>          out;
    for (auto &r : records)
      out.emplace_back(r);

    // Potentials: the parent's Q1 fields at the children's vertices.
    const auto unknowns = in.take();
    for (unsigned int c = 0; c < children; ++c)
      out[c].put(child_q1_unknowns(fe, unknowns, c));

    // Point states: point q of the 2-point Gauss rule (x fastest) lies in
    // child q (deal.II numbers both the same way), and on the top face
    // point q in child q + top_bit. Each child takes the state of the
    // parent's point inside it for all its points. The points' weights are
    // equal, so each integral (Li in the particles and the carbon, films,
    // dead Li, SEI) is kept exactly and every value stays within its
    // bounds, without smoothing the states over the parent (as the
    // parent's mean did); a coarsening back returns the states exactly.
    // Another rule: the mean.
    const bool by_point = nq == children && nq_face == children / 2;
    for (const auto &array : impl->record_arrays())
      {
        const bool cell_points = !array.on_top_face;
        const auto values      = in.take();
        for (unsigned int c = 0; c < children; ++c)
          if (values.empty() || (!cell_points && !(c & top_bit)))
            out[c].put(std::vector<double>());
          else
            {
              const unsigned int n = cell_points ? nq : nq_face;
              out[c].put(
                by_point ?
                  repeat_point(values, n, cell_points ? c : c - top_bit) :
                  repeat_points(point_mean(values, n), n));
            }
      }
    return records;
  }

  template <int dim>
  std::vector<double>
  CellElectrochemistry<dim>::merge_records(
    const unsigned int                      material_id,
    const std::vector<std::vector<double>> &children) const
  {
    const Impl        &d       = *impl;
    const auto        &fe      = d.fe[fe_index::of_material(material_id, dim)];
    const unsigned int nq      = d.cell_quadrature[0].size();
    const unsigned int nq_face = d.face_quadrature[0].size();
    const unsigned int top_bit = 1u << (dim - 1);
    // Point q of the parent lies in child q (on the top face in child
    // q + top_bit) and gets that child's mean: the inverse of split_record.
    const bool by_point = nq == children.size() && nq_face == nq / 2;

    std::vector<CellRecord> in;
    for (const auto &r : children)
      in.emplace_back(r);
    std::vector<double> record;
    CellRecord          out(record);

    // Potentials: vertex v of the parent is vertex v of child v.
    out.put(take_parent_q1_unknowns(fe, in));

    for (const auto &array : impl->record_arrays())
      {
        const unsigned int               n = array.on_top_face ? nq_face : nq;
        std::vector<std::vector<double>> parts;
        for (auto &r : in)
          parts.push_back(r.take());
        std::vector<double> points;
        if (by_point)
          {
            std::vector<std::vector<double>> inside(n);
            for (unsigned int q = 0; q < n; ++q)
              inside[q] = parts[array.on_top_face ? q + top_bit : q];
            points = point_means_by_point(inside, n);
          }
        if (points.empty())
          {
            const auto mean = mean_of_point_means(parts, n);
            if (!mean.empty())
              points = repeat_points(mean, n);
          }
        // A face point carries a film gate: open if it was open on any
        // point it came from (the film, if any, is spread over them).
        if (array.values == &d.face_state)
          for (unsigned int k = face_slot::nucleated; k < points.size();
               k += face_slot::size)
            points[k] = points[k] > 0 ? 1 : 0;
        out.put(points);
      }
    return record;
  }

  template <int dim>
  void
  CellElectrochemistry<dim>::remesh(
    const std::map<std::string, std::vector<double>> &cells)
  {
    Impl &d = *impl;
    d.assign_fe_indices();
    d.initialize_states();
    d.distribute_dofs();
    // Arrays the set-up does not size (the mechanics' coupling fields, the
    // released Li) still have the old mesh's cells.
    const unsigned int n_cells = d.mesh.triangulation->n_active_cells();
    for (const auto &entry : d.record_arrays())
      if (!entry.values->empty() && entry.values->size() != n_cells)
        entry.values->assign(n_cells, {});
    load_state(cells);
    // A node that hangs since a coarsening holds the value of the fine
    // side; the hanging-node constraints make the field continuous (the
    // holds do not distribute them at each step as current control does).
    d.current_constraints.distribute(d.committed);
    d.solution = d.committed;
    d.ghosted  = d.committed;
  }

  template <int dim>
  unsigned int
  execute_refinement(Triangulation<dim>        &triangulation,
                     CellElectrochemistry<dim> &cell,
                     CellMechanics<dim>        *mechanics)
  {
    FieldTransfer<dim, CellElectrochemistry<dim>> electrochemistry(cell);
    std::vector<CellRecordTransfer<dim> *>        fields{&electrochemistry};
    std::optional<FieldTransfer<dim, CellMechanics<dim>>> stack;
    if (mechanics != nullptr)
      fields.push_back(&stack.emplace(*mechanics));
    const unsigned int passes = execute_refinement(triangulation, fields);
    electrochemistry.finish();
    if (stack)
      stack->finish();
    return passes;
  }

  template unsigned int
  execute_refinement(Triangulation<2> &,
                     CellElectrochemistry<2> &,
                     CellMechanics<2> *);
  template unsigned int
  execute_refinement(Triangulation<3> &,
                     CellElectrochemistry<3> &,
                     CellMechanics<3> *);

  template class CellElectrochemistry<1>;
  template class CellElectrochemistry<2>;
  template class CellElectrochemistry<3>;
} // namespace anodeless
