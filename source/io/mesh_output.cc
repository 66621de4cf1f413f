#include <deal.II/dofs/dof_handler.h>

#include <deal.II/grid/tria.h>

#include <deal.II/lac/vector.h>

#include <deal.II/numerics/data_out.h>

#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>
#include <anodeless/io/mesh_output.h>

namespace anodeless
{
  using namespace dealii;

  template <int dim>
  std::string
  write_mesh_output(const StackMesh<dim> &mesh, const std::string &directory)
  {
    const auto    &triangulation = *mesh.triangulation;
    Vector<float>  material(triangulation.n_active_cells());
    Vector<float>  layer(triangulation.n_active_cells());
    Vector<float>  partition(triangulation.n_active_cells());
    const unsigned rank =
      dim == 1 ? 0 : Utilities::MPI::this_mpi_process(mesh.world_communicator);
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          material(cell->active_cell_index()) = cell->material_id();
          layer(cell->active_cell_index()) =
            static_cast<unsigned int>(role_of_material_id(cell->material_id()));
          partition(cell->active_cell_index()) = rank;
        }

    DataOut<dim> data_out;
    data_out.attach_triangulation(triangulation);
    data_out.add_data_vector(material, "material_id");
    data_out.add_data_vector(layer, "layer");
    data_out.add_data_vector(partition, "partition");
    data_out.build_patches();

    if (!mesh.writes_own_piece())
      return "mesh.pvtu";
    const MPI_Comm comm = mesh.field_communicator;
    return data_out.write_vtu_with_pvtu_record(directory + "/",
                                               "mesh",
                                               0,
                                               comm);
  }

  template std::string
  write_mesh_output<1>(const StackMesh<1> &, const std::string &);
  template std::string
  write_mesh_output<2>(const StackMesh<2> &, const std::string &);
  template std::string
  write_mesh_output<3>(const StackMesh<3> &, const std::string &);
} // namespace anodeless
