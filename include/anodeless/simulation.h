#pragma once

#include <deal.II/base/mpi.h>

namespace anodeless
{
  struct RunParameters;

  /**
   * Run the experiment described by @p parameters in the dimension it asks
   * for. Collective over @p world. Returns the process exit code (0: the run
   * completed, with status "completed" or "short").
   */
  int
  run_simulation(const RunParameters &parameters, MPI_Comm world);
} // namespace anodeless
