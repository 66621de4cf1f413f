#include <deal.II/distributed/tria.h>

#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/tria.h>

#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>

#include <algorithm>
#include <cmath>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  StackMesh<dim>::StackMesh(MPI_Comm world)
    : field_communicator(dim == 1 ? MPI_COMM_SELF : world)
    , world_communicator(world)
  {
    if constexpr (dim == 1)
      triangulation = std::make_unique<Triangulation<dim>>(
        Triangulation<dim>::limit_level_difference_at_vertices);
    else
      triangulation =
        std::make_unique<parallel::distributed::Triangulation<dim>>(
          world,
          Triangulation<dim>::limit_level_difference_at_vertices,
          // The levels of the mesh serve the displacement's multigrid.
          parallel::distributed::Triangulation<
            dim>::construct_multigrid_hierarchy);
  }

  template <int dim>
  StackMesh<dim>::~StackMesh() = default;

  template <int dim>
  bool
  StackMesh<dim>::writes_own_piece() const
  {
    return dim > 1 || Utilities::MPI::this_mpi_process(world_communicator) == 0;
  }

  template <int dim>
  void
  make_stack_mesh(Triangulation<dim>    &triangulation,
                  const LayerStack      &stack,
                  const StackParameters &parameters)
  {
    std::vector<std::vector<double>> steps(dim);
    const std::array<double, 2>      lateral_extent = {
           {parameters.lateral_width, parameters.lateral_depth}};
    const std::array<unsigned int, 2> lateral_cells = {
      {parameters.lateral_cells, parameters.depth_cells}};
    Point<dim> corner;
    for (unsigned int d = 0; d + 1 < dim; ++d)
      {
        steps[d].assign(lateral_cells[d], lateral_extent[d] / lateral_cells[d]);
        corner[d] = lateral_extent[d];
      }
    for (const auto &layer : stack.layers())
      steps[dim - 1].insert(steps[dim - 1].end(),
                            layer.cell_heights.begin(),
                            layer.cell_heights.end());
    corner[dim - 1] = stack.total_thickness();

    GridGenerator::subdivided_hyper_rectangle(triangulation,
                                              steps,
                                              Point<dim>(),
                                              corner);

    // Material id from the layer that holds the cell centre.
    const auto &layers = stack.layers();
    for (const auto &cell : triangulation.active_cell_iterators())
      {
        const double y     = cell->center()[dim - 1];
        unsigned int index = 0;
        while (index + 1 < layers.size() && y > layers[index].y_top)
          ++index;
        cell->set_material_id(static_cast<unsigned int>(layers[index].role));

        for (const unsigned int f : cell->face_indices())
          if (cell->face(f)->at_boundary())
            {
              const auto   centre = cell->face(f)->center();
              const double tol    = 1e-6 * stack.smallest_cell_height();
              unsigned int id     = boundary_ids::lateral_x0;
              if (std::abs(centre[dim - 1]) < tol)
                id = boundary_ids::bottom;
              else if (std::abs(centre[dim - 1] - corner[dim - 1]) < tol)
                id = boundary_ids::top;
              else
                for (unsigned int d = 0; d + 1 < dim; ++d)
                  {
                    const double h = lateral_extent[d] / lateral_cells[d];
                    if (std::abs(centre[d]) < 1e-6 * h)
                      id = boundary_ids::lateral_x0 + 2 * d;
                    else if (std::abs(centre[d] - corner[d]) < 1e-6 * h)
                      id = boundary_ids::lateral_x1 + 2 * d;
                  }
              cell->face(f)->set_boundary_id(id);
            }
      }
  }

  template <int dim>
  void
  weigh_partition(Triangulation<dim> &triangulation,
                  const double        electrode_weight)
  {
    if constexpr (dim > 1)
      {
        // p4est balances integer weights: a plain cell counts 1000.
        const unsigned int plain     = 1000;
        const auto         electrode = static_cast<unsigned int>(
          std::lround(plain * std::max(electrode_weight, 1e-3)));
        triangulation.signals.weight.connect(
          [=](const typename Triangulation<dim>::cell_iterator &cell,
              const typename Triangulation<dim>::CellStatus) -> unsigned int {
            const auto role = role_of_material_id(cell->material_id());
            return role == LayerRole::carbon_layer ||
                       role == LayerRole::cathode ?
                     electrode :
                     plain;
          });
      }
  }

  template <int dim>
  void
  refine_uniformly(Triangulation<dim> &triangulation, const unsigned int levels)
  {
    if (levels > 0)
      triangulation.refine_global(levels);
    else if constexpr (dim > 1)
      // The layer mesh itself: balance the weights, not the coarse cells.
      if (auto *distributed =
            dynamic_cast<parallel::distributed::Triangulation<dim> *>(
              &triangulation))
        distributed->repartition();
  }

  template <int dim>
  double
  lateral_area(const StackParameters &parameters)
  {
    if constexpr (dim == 1)
      return 1.0;
    else if constexpr (dim == 2)
      return parameters.lateral_width;
    else
      return parameters.lateral_width * parameters.lateral_depth;
  }

#define ANODELESS_INSTANTIATE(dim)                                    \
  template struct StackMesh<dim>;                                     \
  template void   make_stack_mesh<dim>(Triangulation<dim> &,          \
                                     const LayerStack &,            \
                                     const StackParameters &);      \
  template double lateral_area<dim>(const StackParameters &);         \
  template void   weigh_partition<dim>(Triangulation<dim> &, double); \
  template void   refine_uniformly<dim>(Triangulation<dim> &, unsigned int);
  ANODELESS_INSTANTIATE(1)
  ANODELESS_INSTANTIATE(2)
  ANODELESS_INSTANTIATE(3)
#undef ANODELESS_INSTANTIATE
} // namespace anodeless
