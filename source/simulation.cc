#include <deal.II/base/utilities.h>

#include <deal.II/grid/tria.h>

#include <anodeless/core/constants.h>
#include <anodeless/core/version.h>
#include <anodeless/io/mesh_output.h>
#include <anodeless/simulation.h>
#include <anodeless/simulation_impl.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    std::string
    with_unit(const double metres)
    {
      std::ostringstream s;
      s << std::fixed;
      if (metres < 1e-6)
        s << std::setprecision(0) << metres * 1e9 << " nm";
      else
        s << std::setprecision(2) << metres * 1e6 << " um";
      return s.str();
    }
  } // namespace

  template <int dim>
  Simulation<dim>::Simulation(const RunParameters &parameters, MPI_Comm world)
    : parameters(parameters)
    , world(world)
    , pcout(std::cout,
            Utilities::MPI::this_mpi_process(world) == 0 &&
              parameters.output.verbosity != Verbosity::quiet)
    , output_dir(output_directory(parameters))
    , stack(parameters.stack)
    , mesh(world)
  {
    if (Utilities::MPI::this_mpi_process(world) == 0)
      {
        std::filesystem::create_directories(output_dir);
        write_file_atomically(output_dir + "/original.prm",
                              parameters.input_text);
        write_file_atomically(output_dir + "/parameters.prm",
                              parameters.expanded_prm);
        write_file_atomically(output_dir + "/parameters.json",
                              parameters.expanded_json);
      }
    MPI_Barrier(world);
  }

  template <int dim>
  void
  Simulation<dim>::run()
  {
    pcout << "anodeless " << version_string << ": " << parameters.input_file
          << ", " << dim << "D, " << Utilities::MPI::n_mpi_processes(world)
          << " MPI rank(s)\n"
          << "output folder: " << output_dir << "\n\n";
    build_cell();
    report_stack();
    write_summary();
  }

  template <int dim>
  void
  Simulation<dim>::build_cell()
  {
    make_stack_mesh(*mesh.triangulation, stack, parameters.stack);
    const std::string record = write_mesh_output(mesh, output_dir);
    mesh_record.add(0.0, record);
    if (Utilities::MPI::this_mpi_process(world) == 0)
      mesh_record.write(output_dir + "/mesh.pvd");
  }

  template <int dim>
  void
  Simulation<dim>::report_stack()
  {
    std::vector<unsigned int> cells(n_layer_roles + 1, 0);
    std::vector<double>       volume(n_layer_roles + 1, 0.0);
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto role =
            static_cast<unsigned int>(role_of_material_id(cell->material_id()));
          cells[role] += 1;
          volume[role] += cell->measure();
        }
    Utilities::MPI::sum(cells, mesh.field_communicator, cells);
    Utilities::MPI::sum(volume, mesh.field_communicator, volume);

    pcout << std::left << std::setw(27) << "layer" << std::setw(19)
          << "material" << std::right << std::setw(11) << "thickness"
          << std::setw(9) << "cells"
          << "\n";
    Json layers = Json::array();
    for (const auto &layer : stack.layers())
      {
        const auto r = static_cast<unsigned int>(layer.role);
        pcout << std::left << std::setw(27) << role_name(layer.role)
              << std::setw(19) << layer.material << std::right << std::setw(11)
              << with_unit(layer.thickness) << std::setw(9) << cells[r] << "\n";
        Json entry                   = Json::object();
        entry["layer"]               = role_name(layer.role);
        entry["material"]            = layer.material;
        entry["thickness [m]"]       = layer.thickness;
        entry["y bottom [m]"]        = layer.y_bottom;
        entry["cells"]               = cells[r];
        entry["mesh volume [m^dim]"] = volume[r];
        layers.push_back(entry);
      }
    pcout << std::left << std::setw(46) << "total" << std::right
          << std::setw(11) << with_unit(stack.total_thickness()) << std::setw(9)
          << mesh.triangulation->n_global_active_cells() << "\n\n";

    auto &summary                = run_summary;
    summary["anodeless version"] = version_string;
    summary["input file"]        = parameters.input_file;
    summary["dimension"]         = dim;
    summary["MPI ranks"]         = Utilities::MPI::n_mpi_processes(world);
    summary["lateral area [m^(dim-1)]"] = lateral_area<dim>(parameters.stack);
    summary["stack"]                    = layers;
    summary["mesh cells"] =
      static_cast<unsigned int>(mesh.triangulation->n_global_active_cells());
    summary["status"] = "completed";
  }

  template <int dim>
  void
  Simulation<dim>::write_summary() const
  {
    if (Utilities::MPI::this_mpi_process(world) == 0)
      write_file_atomically(output_dir + "/summary.json", run_summary.dump());
  }

  int
  run_simulation(const RunParameters &parameters, MPI_Comm world)
  {
    switch (parameters.dimension)
      {
        case 1:
          Simulation<1>(parameters, world).run();
          break;
        case 2:
          Simulation<2>(parameters, world).run();
          break;
        case 3:
          Simulation<3>(parameters, world).run();
          break;
        default:
          throw std::logic_error("dimension must be 1, 2 or 3");
      }
    return 0;
  }

  template class Simulation<1>;
  template class Simulation<2>;
  template class Simulation<3>;
} // namespace anodeless
