#pragma once

#include <string>

namespace anodeless
{
  template <int dim>
  struct StackMesh;

  /**
   * Write the mesh with its material (layer) ids and MPI partition as
   * VTU pieces plus a PVTU record in @p directory; returns the name of the
   * record relative to @p directory. Collective over the world communicator.
   */
  template <int dim>
  std::string
  write_mesh_output(const StackMesh<dim> &mesh, const std::string &directory);
} // namespace anodeless
