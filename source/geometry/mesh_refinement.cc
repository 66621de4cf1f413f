#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>

#include <deal.II/distributed/grid_refinement.h>
#include <deal.II/distributed/tria.h>

#include <deal.II/fe/fe.h>

#include <deal.II/grid/cell_id.h>
#include <deal.II/grid/grid_tools.h>

#include <anodeless/geometry/mesh_refinement.h>
#include <anodeless/geometry/refinement_parameters.h>

#include <cstdint>
#include <set>
#include <stdexcept>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    template <int dim>
    parallel::distributed::Triangulation<dim> &
    distributed(Triangulation<dim> &triangulation)
    {
      auto *p = dynamic_cast<parallel::distributed::Triangulation<dim> *>(
        &triangulation);
      if (p == nullptr)
        throw std::logic_error("adaptive refinement needs a distributed mesh");
      return *p;
    }

    /// Level a cell will have after the flags are executed.
    template <class Cell>
    int
    future_level(const Cell &cell)
    {
      return cell->level() + (cell->refine_flag_set() ? 1 : 0) -
             (cell->coarsen_flag_set() ? 1 : 0);
    }

    /// Future levels of the ghost cells, from their owners' flags.
    template <int dim>
    std::map<CellId, int>
    ghost_future_levels(Triangulation<dim> &triangulation)
    {
      std::map<CellId, int> levels;
      GridTools::exchange_cell_data_to_ghosts<std::int32_t, Triangulation<dim>>(
        triangulation,
        [](const auto &cell) {
          return static_cast<std::int32_t>(future_level(cell));
        },
        [&](const auto &cell, const std::int32_t level) {
          levels[cell->id()] = level;
        });
      return levels;
    }
  } // namespace

  template <int dim>
  bool
  mark_cells(Triangulation<dim>         &triangulation,
             const Vector<float>        &indicators,
             const std::vector<bool>    &forced,
             const RefinementParameters &parameters)
  {
    auto &tria = distributed(triangulation);
    parallel::distributed::GridRefinement::refine_and_coarsen_fixed_number(
      tria,
      indicators,
      parameters.refine_fraction,
      parameters.coarsen_fraction,
      parameters.maximum_cells);
    const int top = parameters.maximum_level;
    for (const auto &cell : tria.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          if (forced[cell->active_cell_index()])
            {
              cell->clear_coarsen_flag();
              if (cell->level() < top)
                cell->set_refine_flag();
            }
          if (cell->level() >= top)
            cell->clear_refine_flag();
        }

    // Interfaces between layers stay conforming: the interface reactions
    // and the couplings of the potentials are evaluated on whole faces
    // between cells of equal size, and hanging nodes between different
    // finite elements (a potential that lives on one side only) are
    // avoided. Flags only ever move up (a coarsening is dropped, a
    // refinement added), so the loop ends.
    for (unsigned int pass = 0; pass < 100; ++pass)
      {
        tria.prepare_coarsening_and_refinement();
        const auto   ghosts  = ghost_future_levels(triangulation);
        unsigned int changed = 0;
        for (const auto &cell : tria.active_cell_iterators())
          if (cell->is_locally_owned())
            for (const unsigned int f : cell->face_indices())
              {
                if (cell->at_boundary(f) || cell->neighbor(f)->has_children())
                  continue;
                const auto neighbor = cell->neighbor(f);
                if (neighbor->material_id() == cell->material_id() ||
                    neighbor->level() != cell->level())
                  continue;
                const int mine   = future_level(cell);
                const int theirs = neighbor->is_locally_owned() ?
                                     future_level(neighbor) :
                                     ghosts.at(neighbor->id());
                if (mine < theirs)
                  {
                    if (cell->coarsen_flag_set())
                      cell->clear_coarsen_flag();
                    else
                      cell->set_refine_flag();
                    ++changed;
                  }
              }
        if (Utilities::MPI::sum(changed, tria.get_communicator()) == 0)
          break;
      }

    unsigned int flagged = 0;
    for (const auto &cell : tria.active_cell_iterators())
      if (cell->is_locally_owned() &&
          (cell->refine_flag_set() || cell->coarsen_flag_set()))
        ++flagged;
    return Utilities::MPI::sum(flagged, tria.get_communicator()) > 0;
  }

  namespace
  {
    /// Flag the coarser side of every non-conforming face between
    /// materials; returns the count over all ranks.
    template <int dim>
    unsigned int
    flag_coarse_sides(Triangulation<dim> &triangulation)
    {
      unsigned int flagged = 0;
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned())
          for (const unsigned int f : cell->face_indices())
            if (!cell->at_boundary(f) && cell->neighbor(f)->has_children())
              {
                bool other_material = false;
                for (unsigned int s = 0; s < cell->face(f)->n_children(); ++s)
                  other_material |=
                    cell->neighbor_child_on_subface(f, s)->material_id() !=
                    cell->material_id();
                if (other_material && !cell->refine_flag_set())
                  {
                    cell->set_refine_flag();
                    ++flagged;
                  }
              }
      return Utilities::MPI::sum(flagged, triangulation.get_communicator());
    }

    template <int dim>
    void
    execute_once(Triangulation<dim>                           &triangulation,
                 const std::vector<CellRecordTransfer<dim> *> &fields)
    {
      using Tria = Triangulation<dim>;
      auto &tria = distributed(triangulation);

      const auto pack = [&](const typename Tria::cell_iterator &cell,
                            const typename Tria::CellStatus     status) {
        std::vector<std::vector<double>> records;
        for (const auto *field : fields)
          {
            if (status == Tria::CELL_COARSEN)
              {
                std::vector<std::vector<double>> children;
                for (unsigned int c = 0; c < cell->n_children(); ++c)
                  children.push_back(
                    field->records.at(cell->child(c)->id().to_string()));
                records.push_back(field->merge(cell, children));
              }
            else
              records.push_back(field->records.at(cell->id().to_string()));
          }
        return Utilities::pack(records, false);
      };
      const unsigned int handle = tria.register_data_attach(pack, true);
      tria.execute_coarsening_and_refinement();
      for (auto *field : fields)
        field->records.clear();
      tria.notify_ready_to_unpack(
        handle,
        [&](const typename Tria::cell_iterator &cell,
            const typename Tria::CellStatus     status,
            const boost::iterator_range<std::vector<char>::const_iterator>
              &data) {
          const auto records =
            Utilities::unpack<std::vector<std::vector<double>>>(data.begin(),
                                                                data.end(),
                                                                false);
          for (unsigned int k = 0; k < fields.size(); ++k)
            if (status == Tria::CELL_REFINE)
              {
                const auto children = fields[k]->split(cell, records[k]);
                for (unsigned int c = 0; c < cell->n_children(); ++c)
                  fields[k]->records[cell->child(c)->id().to_string()] =
                    children[c];
              }
            else
              fields[k]->records[cell->id().to_string()] = records[k];
        });
    }
  } // namespace

  template <int dim>
  unsigned int
  execute_refinement(Triangulation<dim> &triangulation,
                     const std::vector<CellRecordTransfer<dim> *> &fields)
  {
    execute_once(triangulation, fields);
    unsigned int passes = 1;
    while (flag_coarse_sides(triangulation) > 0)
      {
        if (passes > 20)
          throw std::logic_error(
            "the interfaces between layers did not become conforming");
        execute_once(triangulation, fields);
        ++passes;
      }
    return passes;
  }

  template <int dim>
  bool
  interfaces_conforming(const Triangulation<dim> &triangulation)
  {
    unsigned int hanging = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int f : cell->face_indices())
          if (!cell->at_boundary(f))
            {
              if (cell->neighbor(f)->has_children())
                {
                  for (unsigned int s = 0; s < cell->face(f)->n_children(); ++s)
                    hanging +=
                      cell->neighbor_child_on_subface(f, s)->material_id() !=
                      cell->material_id();
                }
              else if (cell->neighbor_is_coarser(f))
                hanging +=
                  cell->neighbor(f)->material_id() != cell->material_id();
            }
    return Utilities::MPI::sum(hanging, triangulation.get_communicator()) == 0;
  }

  template <int dim>
  unsigned int
  refine_to_cells(Triangulation<dim>             &triangulation,
                  const std::vector<std::string> &cells)
  {
    // Every strict ancestor of a wanted cell must be refined.
    std::set<std::string> ancestors;
    for (const auto &text : cells)
      {
        const CellId id(text);
        const auto   coarse = id.get_coarse_cell_id();
        const auto  &path   = id.get_child_indices();
        for (unsigned int level = 0; level < path.size(); ++level)
          ancestors.insert(
            CellId(coarse,
                   std::vector<std::uint8_t>(path.begin(),
                                             path.begin() + level))
              .to_string());
      }
    auto        &tria   = distributed(triangulation);
    unsigned int passes = 0;
    while (true)
      {
        unsigned int flagged = 0;
        for (const auto &cell : tria.active_cell_iterators())
          if (cell->is_locally_owned() &&
              ancestors.count(cell->id().to_string()) > 0)
            {
              cell->set_refine_flag();
              ++flagged;
            }
        if (Utilities::MPI::sum(flagged, tria.get_communicator()) == 0)
          return passes;
        tria.execute_coarsening_and_refinement();
        if (++passes > 20)
          throw std::runtime_error(
            "the checkpoint's cells could not be rebuilt by refinement");
      }
  }

  template <int dim>
  std::vector<double>
  child_q1_unknowns(const FiniteElement<dim>  &fe,
                    const std::vector<double> &parent,
                    const unsigned int         child)
  {
    // Q1 shape function of vertex v at unit point p (bit e of v is the
    // e-th coordinate of the vertex).
    const auto shape = [](const unsigned int v, const Point<dim> &p) {
      double value = 1;
      for (unsigned int e = 0; e < dim; ++e)
        value *= (v >> e) & 1 ? p[e] : 1 - p[e];
      return value;
    };
    std::vector<double> values(parent.size(), 0.0);
    for (unsigned int i = 0; i < values.size(); ++i)
      {
        const auto [component, v] = fe.system_to_component_index(i);
        Point<dim> p;
        for (unsigned int e = 0; e < dim; ++e)
          p[e] = 0.5 * (((child >> e) & 1) + ((v >> e) & 1));
        for (unsigned int j = 0; j < parent.size(); ++j)
          {
            const auto [other, w] = fe.system_to_component_index(j);
            if (other == component)
              values[i] += parent[j] * shape(w, p);
          }
      }
    return values;
  }

  template <int dim>
  std::vector<double>
  parent_q1_unknowns(const FiniteElement<dim>               &fe,
                     const std::vector<std::vector<double>> &children)
  {
    std::vector<double> values(children.at(0).size());
    for (unsigned int i = 0; i < values.size(); ++i)
      values[i] = children.at(fe.system_to_component_index(i).second)[i];
    return values;
  }

  template <int dim>
  std::vector<double>
  take_parent_q1_unknowns(const FiniteElement<dim> &fe,
                          std::vector<CellRecord>  &children)
  {
    std::vector<std::vector<double>> unknowns;
    for (auto &child : children)
      unknowns.push_back(child.take());
    return parent_q1_unknowns(fe, unknowns);
  }

  std::vector<double>
  point_mean(const std::vector<double> &values, const unsigned int n_points)
  {
    const unsigned int  stride = values.size() / n_points;
    std::vector<double> mean(stride, 0.0);
    for (unsigned int q = 0; q < n_points; ++q)
      for (unsigned int k = 0; k < stride; ++k)
        mean[k] += values[q * stride + k] / n_points;
    return mean;
  }

  std::vector<double>
  mean_of_point_means(const std::vector<std::vector<double>> &parts,
                      const unsigned int                      n_points)
  {
    std::vector<double> sum;
    unsigned int        counted = 0;
    for (const auto &part : parts)
      if (!part.empty())
        {
          const auto mean = point_mean(part, n_points);
          sum.resize(mean.size(), 0.0);
          for (unsigned int k = 0; k < mean.size(); ++k)
            sum[k] += mean[k];
          ++counted;
        }
    for (auto &v : sum)
      v /= counted;
    return sum;
  }

  std::vector<double>
  repeat_points(const std::vector<double> &mean, const unsigned int n_points)
  {
    std::vector<double> values;
    values.reserve(mean.size() * n_points);
    for (unsigned int q = 0; q < n_points; ++q)
      values.insert(values.end(), mean.begin(), mean.end());
    return values;
  }

  std::vector<double>
  repeat_point(const std::vector<double> &values,
               const unsigned int         n_points,
               const unsigned int         point)
  {
    const unsigned int        stride = values.size() / n_points;
    const std::vector<double> block(values.begin() + point * stride,
                                    values.begin() + (point + 1) * stride);
    return repeat_points(block, n_points);
  }

  std::vector<double>
  point_means_by_point(const std::vector<std::vector<double>> &by_point,
                       const unsigned int                      n_points)
  {
    std::vector<double> values;
    for (const auto &part : by_point)
      {
        if (part.empty())
          return {};
        const auto mean = point_mean(part, n_points);
        values.insert(values.end(), mean.begin(), mean.end());
      }
    return values;
  }

  template std::vector<double>
  child_q1_unknowns(const FiniteElement<1> &,
                    const std::vector<double> &,
                    unsigned int);
  template std::vector<double>
  child_q1_unknowns(const FiniteElement<2> &,
                    const std::vector<double> &,
                    unsigned int);
  template std::vector<double>
  child_q1_unknowns(const FiniteElement<3> &,
                    const std::vector<double> &,
                    unsigned int);
  template std::vector<double>
  take_parent_q1_unknowns(const FiniteElement<1> &, std::vector<CellRecord> &);
  template std::vector<double>
  take_parent_q1_unknowns(const FiniteElement<2> &, std::vector<CellRecord> &);
  template std::vector<double>
  take_parent_q1_unknowns(const FiniteElement<3> &, std::vector<CellRecord> &);
  template std::vector<double>
  parent_q1_unknowns(const FiniteElement<1> &,
                     const std::vector<std::vector<double>> &);
  template std::vector<double>
  parent_q1_unknowns(const FiniteElement<2> &,
                     const std::vector<std::vector<double>> &);
  template std::vector<double>
  parent_q1_unknowns(const FiniteElement<3> &,
                     const std::vector<std::vector<double>> &);
  template bool
  mark_cells(Triangulation<2> &,
             const Vector<float> &,
             const std::vector<bool> &,
             const RefinementParameters &);
  template bool
  mark_cells(Triangulation<3> &,
             const Vector<float> &,
             const std::vector<bool> &,
             const RefinementParameters &);
  template unsigned int
  execute_refinement(Triangulation<2> &,
                     const std::vector<CellRecordTransfer<2> *> &);
  template unsigned int
  execute_refinement(Triangulation<3> &,
                     const std::vector<CellRecordTransfer<3> *> &);
  template bool
  interfaces_conforming(const Triangulation<2> &);
  template bool
  interfaces_conforming(const Triangulation<3> &);
  template unsigned int
  refine_to_cells(Triangulation<2> &, const std::vector<std::string> &);
  template unsigned int
  refine_to_cells(Triangulation<3> &, const std::vector<std::string> &);
} // namespace anodeless
