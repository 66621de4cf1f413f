#pragma once

#include <anodeless/solvers/linear_algebra.h>

#include <string>

namespace anodeless
{
  /// How to solve a symmetric positive definite system.
  struct LinearSolverOptions
  {
    bool         direct    = true;  ///< sparse direct (MUMPS / Amesos)
    double       tolerance = 1e-12; ///< relative residual, iterative solver
    unsigned int max_iterations = 2000;
  };

  /// Solve A x = b; returns the number of iterations (0 for a direct
  /// solve). Throws SolverFailure if the iterative solver does not converge.
  unsigned int
  solve_spd(const LA::MPI::SparseMatrix &matrix,
            LA::MPI::Vector             &solution,
            const LA::MPI::Vector       &rhs,
            const LinearSolverOptions   &options);
} // namespace anodeless
