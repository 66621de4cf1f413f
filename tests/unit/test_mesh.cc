// The layer-conforming mesh: layer volumes equal thickness x lateral area,
// the same on 1 and 2 ranks, and boundary ids on the right faces. A refined
// cell's 2-point Gauss point q lies in its child q (and the top face's
// point q in child q + 2^(dim-1)), as the transfer of point states assumes.
// Weighted partitions share the weight, not the cells, among the ranks.
#include <deal.II/base/quadrature_lib.h>

#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>

#include <deal.II/grid/tria.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>

#include <testing.h>

#include <iostream>

using namespace anodeless;
using namespace anodeless::testing;
using namespace dealii;

namespace
{
  template <int dim>
  void
  check_layer_volumes()
  {
    StackParameters parameters;
    parameters.lateral_width = 12e-6;
    parameters.lateral_depth = 9e-6;
    parameters.lateral_cells = 3;
    parameters.depth_cells   = 2;
    // A lithiophilic layer too, so that all seven roles are meshed.
    parameters.layers[2].thickness = 300e-9;
    parameters.check(dim);
    const LayerStack stack(parameters);
    StackMesh<dim>   mesh(MPI_COMM_WORLD);
    make_stack_mesh(*mesh.triangulation, stack, parameters);

    std::vector<double> volume(n_layer_roles, 0.0);
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        volume[cell->material_id()] += cell->measure();
    Utilities::MPI::sum(volume, mesh.field_communicator, volume);

    const double area = lateral_area<dim>(parameters);
    for (const auto &layer : stack.layers())
      {
        const auto r = static_cast<unsigned int>(layer.role);
        check_relative(volume[r],
                       layer.thickness * area,
                       1e-12,
                       std::string(role_name(layer.role)) + " volume");
        log() << role_name(layer.role) << ": " << volume[r] << "\n";
      }
    check(stack.layers().size() == n_layer_roles, "all seven layers present");
  }
} // namespace

ANODELESS_TEST(mesh_layer_volumes_1d)
{
  check_layer_volumes<1>();
}

ANODELESS_TEST(mesh_layer_volumes_2d)
{
  check_layer_volumes<2>();
}

ANODELESS_TEST(mesh_layer_volumes_3d)
{
  check_layer_volumes<3>();
}

namespace
{
  template <int dim>
  void
  check_boundary_ids()
  {
    StackParameters  parameters;
    const LayerStack stack(parameters);
    StackMesh<dim>   mesh(MPI_COMM_WORLD);
    make_stack_mesh(*mesh.triangulation, stack, parameters);
    std::vector<double> area(6, 0.0);
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int f : cell->face_indices())
          if (cell->face(f)->at_boundary())
            {
              const unsigned int id = cell->face(f)->boundary_id();
              check(id < 2 * dim, "boundary id in range");
              if (id == boundary_ids::bottom)
                check(cell->material_id() ==
                        static_cast<unsigned int>(
                          LayerRole::anode_current_collector),
                      "bottom face on the anode current collector");
              if (id == boundary_ids::top)
                check(cell->material_id() ==
                        static_cast<unsigned int>(
                          LayerRole::cathode_current_collector),
                      "top face on the cathode current collector");
              if constexpr (dim == 1)
                area[id] += 1.0;
              else
                area[id] += cell->face(f)->measure();
            }
    Utilities::MPI::sum(area, mesh.field_communicator, area);
    const double lateral = lateral_area<dim>(parameters);
    check_relative(area[boundary_ids::bottom], lateral, 1e-12, "bottom area");
    check_relative(area[boundary_ids::top], lateral, 1e-12, "top area");
    if (dim > 1)
      check_relative(area[boundary_ids::lateral_x0],
                     stack.total_thickness() *
                       (dim == 3 ? parameters.lateral_depth : 1.0),
                     1e-12,
                     "lateral x0 area");
  }
} // namespace

ANODELESS_TEST(mesh_boundary_ids)
{
  check_boundary_ids<1>();
  check_boundary_ids<2>();
  check_boundary_ids<3>();
}

namespace
{
  template <int dim>
  void
  check_gauss_points_in_children()
  {
    StackParameters parameters;
    parameters.lateral_cells = 3;
    parameters.depth_cells   = 2;
    parameters.check(dim);
    const LayerStack stack(parameters);
    StackMesh<dim>   mesh(MPI_COMM_WORLD);
    make_stack_mesh(*mesh.triangulation, stack, parameters);
    mesh.triangulation->refine_global(1);

    const MappingQ1<dim> mapping;
    const FE_Q<dim>      fe(1);
    FEValues<dim> points(mapping, fe, QGauss<dim>(2), update_quadrature_points);
    FEFaceValues<dim>  face_points(mapping,
                                  fe,
                                  QGauss<dim - 1>(2),
                                  update_quadrature_points);
    const unsigned int top_face = 2 * dim - 1;
    const unsigned int top_bit  = 1u << (dim - 1);
    unsigned int       parents = 0, outside = 0;
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned() && cell->parent()->child(0) == cell)
        {
          const auto parent = cell->parent();
          points.reinit(parent);
          for (unsigned int q = 0; q < points.n_quadrature_points; ++q)
            if (!parent->child(q)->bounding_box().point_inside(
                  points.quadrature_point(q),
                  1e-10))
              {
                ++outside;
                std::cout << dim << "D cell point " << q << " at "
                          << points.quadrature_point(q) << " parent "
                          << parent->center() << "\n";
              }
          face_points.reinit(parent, top_face);
          for (unsigned int q = 0; q < face_points.n_quadrature_points; ++q)
            // On the child's top face: inside its box up to round-off.
            if (!parent->child(q + top_bit)
                   ->bounding_box()
                   .point_inside(face_points.quadrature_point(q), 1e-10))
              {
                ++outside;
                std::cout << dim << "D face point " << q << " at "
                          << face_points.quadrature_point(q) << "\n";
              }
          ++parents;
        }
    parents = Utilities::MPI::sum(parents, mesh.field_communicator);
    outside = Utilities::MPI::sum(outside, mesh.field_communicator);
    check(parents > 0, "refined cells checked");
    check(outside == 0,
          std::to_string(outside) + " Gauss points outside the child of " +
            "their number");
  }
} // namespace

ANODELESS_TEST(mesh_gauss_points_in_children)
{
  check_gauss_points_in_children<2>();
  check_gauss_points_in_children<3>();
}

namespace
{
  /// Each rank's share of the cells, counted by weight (electrode cells
  /// @p weight, the others 1): largest share over the mean.
  double
  weighted_imbalance(const Triangulation<2> &triangulation,
                     const double            weight,
                     const MPI_Comm          comm)
  {
    double own = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto role = role_of_material_id(cell->material_id());
          own += role == LayerRole::carbon_layer || role == LayerRole::cathode ?
                   weight :
                   1.0;
        }
    const double largest = Utilities::MPI::max(own, comm);
    const double mean =
      Utilities::MPI::sum(own, comm) / Utilities::MPI::n_mpi_processes(comm);
    return largest / mean;
  }
} // namespace

// The Example's layer mesh in 2D, on the layer mesh itself and refined
// twice: with the electrode cells weighed 2.5 times, every rank holds the
// same weight to within a family of cells (4 cells of weight 2.5 against
// about 860 / ranks), where partitioning by cells leaves the rank with the
// cathode 9 % (3 ranks) to 14 % (2 ranks) above the mean.
ANODELESS_TEST(mesh_partition_weights)
{
  StackParameters parameters;
  parameters.check(2);
  const LayerStack stack(parameters);
  const double     weight = 2.5;
  for (const unsigned int levels : {0u, 2u})
    {
      StackMesh<2> by_cells(MPI_COMM_WORLD);
      make_stack_mesh(*by_cells.triangulation, stack, parameters);
      refine_uniformly(*by_cells.triangulation, levels);
      StackMesh<2> by_weight(MPI_COMM_WORLD);
      make_stack_mesh(*by_weight.triangulation, stack, parameters);
      weigh_partition(*by_weight.triangulation, weight);
      refine_uniformly(*by_weight.triangulation, levels);

      const unsigned int n_ranks =
        Utilities::MPI::n_mpi_processes(MPI_COMM_WORLD);
      const double family = 4 * weight;
      double       total  = 0;
      for (const auto &cell : by_weight.triangulation->active_cell_iterators())
        {
          const auto role = role_of_material_id(cell->material_id());
          total +=
            role == LayerRole::carbon_layer || role == LayerRole::cathode ?
              weight :
              1.0;
        }
      const double allowed = 1 + family / (total / n_ranks);
      const double weighted =
        weighted_imbalance(*by_weight.triangulation, weight, MPI_COMM_WORLD);
      const double counted =
        weighted_imbalance(*by_cells.triangulation, weight, MPI_COMM_WORLD);
      log() << levels << " refinements, " << n_ranks
            << " ranks: largest weight over the mean " << weighted
            << " (allowed " << allowed << "), partitioned by cells " << counted
            << "\n";
      check(weighted <= allowed,
            "weighted partition: the largest rank's weight is " +
              describe(weighted) + " of the mean, more than " +
              describe(allowed));
      check(counted > 1.05,
            "the partition by cells was expected to be uneven in weight "
            "(the test's premise), got " +
              describe(counted));
    }
}
