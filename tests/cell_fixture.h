#pragma once

// A cell built from parameter text, for tests that drive the
// electrochemistry directly.

#include <deal.II/grid/tria.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/electrochemistry/cell_electrochemistry.h>
#include <anodeless/geometry/conducting_spots.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>

#include <memory>
#include <string>

namespace anodeless::testing
{
  template <int dim>
  struct CellFixture
  {
    explicit CellFixture(const std::string &prm_text)
      : parameters(parse_run_parameters(prm_text, "test.prm", dim))
      , stack(parameters->stack)
      , mesh(MPI_COMM_WORLD)
    {
      make_stack_mesh(*mesh.triangulation, stack, parameters->stack);
      place_conducting_spots(*mesh.triangulation,
                             stack,
                             parameters->stack,
                             parameters->electrochemistry.halide);
      cell = std::make_unique<CellElectrochemistry<dim>>(
        *parameters,
        stack,
        mesh,
        parameters->protocol.temperature);
      cell->setup();
    }

    std::unique_ptr<RunParameters>             parameters;
    LayerStack                                 stack;
    StackMesh<dim>                             mesh;
    std::unique_ptr<CellElectrochemistry<dim>> cell;
  };
} // namespace anodeless::testing
