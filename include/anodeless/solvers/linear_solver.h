#pragma once

#include <anodeless/solvers/linear_algebra.h>

#include <memory>
#include <string>

namespace anodeless
{
  /**
   * An algebraic multigrid set up on an earlier matrix, kept to precondition
   * later solves whose matrix changed little (the Newton iterations of one
   * time step), so that the set-up is paid once; or a sparse LU whose
   * ordering and symbolic factorization serve later matrices of the same
   * pattern.
   */
  class PreconditionerCache
  {
  public:
    PreconditionerCache();
    ~PreconditionerCache();
    /// Forget the kept set-up: the next solve sets one up anew.
    void
    clear();
    /// Set-ups made through this cache.
    unsigned int set_ups = 0;

    struct Impl;
    std::unique_ptr<Impl> impl;
  };

  /// How to solve a symmetric positive definite system.
  struct LinearSolverOptions
  {
    bool         direct    = true;  ///< sparse direct (MUMPS / Amesos)
    double       tolerance = 1e-12; ///< relative residual, iterative solver
    unsigned int max_iterations = 2000;
    /// BoomerAMG (PETSc): threshold of strong coupling and the levels
    /// coarsened aggressively (hypre's defaults: 0.25 and 0).
    double       amg_strong_threshold  = 0.25;
    unsigned int amg_aggressive_levels = 0;
    /// BoomerAMG (PETSc): HMIS coarsening with extended+i interpolation (at
    /// most 4 weights per row) instead of PETSc's default, Falgout's
    /// coarsening with classical interpolation.
    bool amg_hmis = false;
    /// BoomerAMG (PETSc): smooth each level with a symmetric hybrid
    /// Gauss-Seidel sweep (forward, then backward) on the way down and up,
    /// deal.II's choice for a symmetric operator; false: one forward sweep
    /// down and one backward sweep up, half the smoothing and still a
    /// symmetric preconditioner. "Hybrid": Gauss-Seidel within a rank,
    /// Jacobi between ranks.
    bool amg_symmetric_sweeps = true;
    /// Iterative solver: keep the multigrid set-up here and use it for the
    /// next solves until cleared (PETSc's BoomerAMG; ignored with Trilinos).
    /// A solve that fails with a kept set-up is repeated with a new one.
    PreconditionerCache *reuse = nullptr;
    /// Direct solver on one process (PETSc's sparse LU): keep the
    /// factorization here; a later solve with the same matrix object only
    /// factors its new values (the ordering and the symbolic factorization
    /// stay; exact). Clear it when the matrix is created anew.
    PreconditionerCache *factorization = nullptr;
  };

  /// Solve A x = b; returns the number of iterations (0 for a direct
  /// solve). Throws SolverFailure if the iterative solver does not converge.
  unsigned int
  solve_spd(const LA::MPI::SparseMatrix &matrix,
            LA::MPI::Vector             &solution,
            const LA::MPI::Vector       &rhs,
            const LinearSolverOptions   &options);
} // namespace anodeless
