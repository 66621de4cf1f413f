#pragma once

#include <deal.II/base/conditional_ostream.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>
#include <anodeless/io/json.h>
#include <anodeless/io/pvd_record.h>

#include <string>

namespace anodeless
{
  /**
   * @brief One run: owns the mesh, the fields and the stages of the
   * experiment. run() reads like the experiment: build the cell, press it,
   * then cycle it following the protocol, writing results as it goes.
   */
  template <int dim>
  class Simulation
  {
  public:
    Simulation(const RunParameters &parameters, MPI_Comm world);

    void
    run();

    /// Results of the run so far (also written to summary.json).
    const Json &
    summary() const
    {
      return run_summary;
    }

  private:
    void
    build_cell();

    /// Print the layer table and record it in the run summary.
    void
    report_stack();

    void
    write_summary() const;

    const RunParameters       &parameters;
    MPI_Comm                   world;
    dealii::ConditionalOStream pcout;
    std::string                output_dir;
    LayerStack                 stack;
    StackMesh<dim>             mesh;
    PvdRecord                  mesh_record;
    Json                       run_summary = Json::object();
  };
} // namespace anodeless
