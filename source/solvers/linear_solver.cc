#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>

#ifdef ANODELESS_USE_TRILINOS
#  include <deal.II/lac/trilinos_precondition.h>
#  include <deal.II/lac/trilinos_solver.h>
#else
#  include <deal.II/lac/petsc_precondition.h>
#  include <deal.II/lac/petsc_solver.h>

#  include <petscksp.h>
#  include <petscmat.h>
#endif

#include <anodeless/core/errors.h>
#include <anodeless/solvers/linear_solver.h>

#include <array>
#include <utility>

namespace anodeless
{
  using namespace dealii;

  struct PreconditionerCache::Impl
  {
#ifndef ANODELESS_USE_TRILINOS
    std::unique_ptr<PETScWrappers::PreconditionBoomerAMG> amg;
    /// The sparse LU of one process, with its ordering and symbolic
    /// factorization, for the matrix it was made for.
    KSP lu        = nullptr;
    Mat lu_matrix = nullptr;
    /// Several processes: CG whose preconditioner is MUMPS' factorization
    /// of the first matrix it solved (the first Newton iteration's).
    KSP parallel_lu = nullptr;

    void
    drop_lu()
    {
      if (lu != nullptr)
        KSPDestroy(&lu);
      lu        = nullptr;
      lu_matrix = nullptr;
      if (parallel_lu != nullptr)
        KSPDestroy(&parallel_lu);
      parallel_lu = nullptr;
    }

    ~Impl()
    {
      drop_lu();
    }
#endif
  };

  PreconditionerCache::PreconditionerCache()
    : impl(std::make_unique<Impl>())
  {
  }

  PreconditionerCache::~PreconditionerCache() = default;

  void
  PreconditionerCache::clear()
  {
#ifndef ANODELESS_USE_TRILINOS
    impl->amg.reset();
    impl->drop_lu();
#endif
  }

#ifndef ANODELESS_USE_TRILINOS
  namespace
  {
    /// Several processes, direct solver: MUMPS' Cholesky factorization of
    /// the first matrix kept in @p cache (a time step's first Newton
    /// iteration) solves it exactly and preconditions CG for the later
    /// matrices (the step's other Newton iterations), to @p tolerance.
    /// Another factorization where CG fails with the kept one. Returns the
    /// CG iterations after the first solve (0 for a factorization).
    unsigned int
    solve_with_kept_mumps(const LA::MPI::SparseMatrix &matrix,
                          LA::MPI::Vector             &solution,
                          const LA::MPI::Vector       &rhs,
                          const double                 tolerance,
                          PreconditionerCache         &cache)
    {
      // Beyond this many iterations a new factorization is cheaper.
      constexpr PetscInt reuse_iterations = 20;
      KSP               &ksp              = cache.impl->parallel_lu;
      if (ksp != nullptr)
        {
          KSPSetOperators(ksp, matrix, matrix);
          KSPSetReusePreconditioner(ksp, PETSC_TRUE);
          KSPSetTolerances(ksp,
                           tolerance,
                           0.0,
                           PETSC_DEFAULT,
                           reuse_iterations);
          PetscPushErrorHandler(PetscIgnoreErrorHandler, nullptr);
          const PetscErrorCode error = KSPSolve(ksp, rhs, solution);
          PetscPopErrorHandler();
          KSPConvergedReason reason     = KSP_DIVERGED_ITS;
          PetscInt           iterations = 0;
          if (error == 0)
            {
              KSPGetConvergedReason(ksp, &reason);
              KSPGetIterationNumber(ksp, &iterations);
            }
          if (error == 0 && reason > 0)
            return iterations;
          // The Jacobian moved too far from the factorized one.
          cache.impl->drop_lu();
          solution = 0;
        }
      // The factorized matrix itself is solved exactly, as by MUMPS alone.
      PC pc;
      KSPCreate(solution.get_mpi_communicator(), &ksp);
      KSPSetType(ksp, KSPPREONLY);
      KSPGetPC(ksp, &pc);
      PCSetType(pc, PCCHOLESKY);
      PCFactorSetMatSolverType(pc, MATSOLVERMUMPS);
      KSPSetOperators(ksp, matrix, matrix);
      PetscPushErrorHandler(PetscIgnoreErrorHandler, nullptr);
      const PetscErrorCode error = KSPSolve(ksp, rhs, solution);
      PetscPopErrorHandler();
      // (A failed factorization may leave no error code, only the reason.)
      KSPConvergedReason reason = KSP_DIVERGED_PC_FAILED;
      if (error == 0)
        KSPGetConvergedReason(ksp, &reason);
      if (error != 0 || reason < 0)
        {
          cache.impl->drop_lu();
          throw SolverFailure("the MUMPS factorization failed (PETSc error " +
                              std::to_string(error) + ", reason " +
                              std::to_string(static_cast<int>(reason)) + ")");
        }
      // Later matrices: CG preconditioned by this factorization.
      KSPSetType(ksp, KSPCG);
      KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED);
      return 0;
    }
  } // namespace
#endif

  unsigned int
  solve_spd(const LA::MPI::SparseMatrix &matrix,
            LA::MPI::Vector             &solution,
            const LA::MPI::Vector       &rhs,
            const LinearSolverOptions   &options)
  {
    const MPI_Comm comm = solution.get_mpi_communicator();
    SolverControl  control(options.max_iterations,
                          options.tolerance * rhs.l2_norm());
    try
      {
#ifdef ANODELESS_USE_TRILINOS
        if (options.direct)
          {
            TrilinosWrappers::SolverDirect solver(control);
            solver.solve(matrix, solution, rhs);
            return 0;
          }
        TrilinosWrappers::PreconditionAMG                 amg;
        TrilinosWrappers::PreconditionAMG::AdditionalData data;
        data.elliptic = true;
        amg.initialize(matrix, data);
        // deal.II's CG rather than AztecOO's: near a converged Newton
        // iterate the right-hand side is at round-off, where AztecOO stops
        // with "loss of precision" instead of returning what it reached.
        SolverCG<LA::MPI::Vector> solver(control);
        solver.solve(matrix, solution, rhs, amg);
#else
        if (options.direct && Utilities::MPI::n_mpi_processes(comm) == 1)
          {
            // One process: PETSc's own sparse LU. MUMPS' set-up costs more
            // than the factorization of the small 1D systems.
            // On one process the MPI matrix is its diagonal block.
            Mat diagonal_block, off_diagonal;
            MatMPIAIJGetSeqAIJ(matrix, &diagonal_block, &off_diagonal, nullptr);
            PetscScalar       *x;
            const PetscScalar *b;
            PetscInt           n;
            VecGetLocalSize(solution, &n);
            VecGetArray(solution, &x);
            VecGetArrayRead(rhs, &b);
            Vec x_seq, b_seq;
            VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, x, &x_seq);
            VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, b, &b_seq);
            // A kept LU of this matrix has its ordering and symbolic
            // factorization: PETSc only factors the new values (exact).
            PreconditionerCache *cache = options.factorization;
            const bool kept = cache != nullptr && cache->impl->lu != nullptr &&
                              cache->impl->lu_matrix == diagonal_block;
            KSP ksp = kept ? cache->impl->lu : nullptr;
            if (!kept)
              {
                PC pc;
                KSPCreate(PETSC_COMM_SELF, &ksp);
                KSPSetType(ksp, KSPPREONLY);
                KSPGetPC(ksp, &pc);
                PCSetType(pc, PCLU);
                PCFactorSetMatSolverType(pc, MATSOLVERPETSC);
                // Approximate minimum degree: on 2D meshes 160 cells wide the
                // factorization took 80 % of a run with nested dissection;
                // AMD halves the run (RCM and one-way dissection double it).
                PCFactorSetMatOrderingType(pc, MATORDERINGAMD);
                if (cache != nullptr)
                  {
                    cache->impl->drop_lu();
                    cache->impl->lu        = ksp;
                    cache->impl->lu_matrix = diagonal_block;
                  }
              }
            KSPSetOperators(ksp, diagonal_block, diagonal_block);
            PetscPushErrorHandler(PetscIgnoreErrorHandler, nullptr);
            const PetscErrorCode error = KSPSolve(ksp, b_seq, x_seq);
            PetscPopErrorHandler();
            if (cache == nullptr)
              KSPDestroy(&ksp);
            else if (error != 0)
              cache->impl->drop_lu();
            VecDestroy(&x_seq);
            VecDestroy(&b_seq);
            VecRestoreArrayRead(rhs, &b);
            VecRestoreArray(solution, &x);
            if (error != 0)
              throw SolverFailure("the sparse LU factorization failed "
                                  "(PETSc error " +
                                  std::to_string(error) + ")");
            return 0;
          }
        if (options.direct && options.reuse != nullptr)
          return solve_with_kept_mumps(matrix,
                                       solution,
                                       rhs,
                                       options.tolerance,
                                       *options.reuse);
        if (options.direct)
          {
            PETScWrappers::SparseDirectMUMPS solver(control, comm);
            solver.set_symmetric_mode(true);
            solver.solve(matrix, solution, rhs);
            return 0;
          }
        PreconditionerCache *cache  = options.reuse;
        const bool           reused = cache != nullptr && cache->impl->amg;
        std::unique_ptr<PETScWrappers::PreconditionBoomerAMG> own;
        if (!reused)
          {
            PETScWrappers::PreconditionBoomerAMG::AdditionalData data;
            data.symmetric_operator = true;
            if (!options.amg_symmetric_sweeps)
              {
                // A forward sweep down and a backward one up keep the
                // V-cycle symmetric with half the smoothing of a symmetric
                // sweep each way. deal.II allows that pair only for an
                // operator it is not told is symmetric.
                using Relaxation = PETScWrappers::PreconditionBoomerAMG::
                  AdditionalData::RelaxationType;
                data.symmetric_operator   = false;
                data.relaxation_type_down = Relaxation::SORJacobi;
                data.relaxation_type_up   = Relaxation::backwardSORJacobi;
              }
            data.strong_threshold = options.amg_strong_threshold;
            data.aggressive_coarsening_num_levels =
              options.amg_aggressive_levels;
            // deal.II's interface has no field for the coarsening and the
            // interpolation: PETSc reads them from its options database
            // when it sets the preconditioner up.
            const std::array<std::pair<const char *, const char *>, 3> hmis = {
              {{"-pc_hypre_boomeramg_coarsen_type", "HMIS"},
               {"-pc_hypre_boomeramg_interp_type", "ext+i"},
               {"-pc_hypre_boomeramg_P_max", "4"}}};
            if (options.amg_hmis)
              for (const auto &[name, value] : hmis)
                PetscOptionsSetValue(nullptr, name, value);
            own = std::make_unique<PETScWrappers::PreconditionBoomerAMG>(matrix,
                                                                         data);
            if (options.amg_hmis)
              for (const auto &[name, value] : hmis)
                PetscOptionsClearValue(nullptr, name);
            // Keep the set-up when the matrix's values change: PETSc would
            // otherwise set it up again at the next solve.
            PCSetReusePreconditioner(own->get_pc(), PETSC_TRUE);
            if (cache != nullptr)
              ++cache->set_ups;
          }
        const auto &amg = reused ? *cache->impl->amg : *own;
        try
          {
            PETScWrappers::SolverCG solver(control, comm);
            solver.solve(matrix, solution, rhs, amg);
          }
        catch (...)
          {
            if (!reused)
              throw;
            // The kept set-up no longer fits the matrix: set up anew.
            cache->clear();
            solution = 0;
            return solve_spd(matrix, solution, rhs, options);
          }
        if (cache != nullptr && !reused)
          cache->impl->amg = std::move(own);
#endif
      }
    catch (const SolverControl::NoConvergence &e)
      {
        throw SolverFailure("the linear solver did not converge in " +
                            std::to_string(e.last_step) +
                            " iterations (residual " +
                            std::to_string(e.last_residual) + ")");
      }
    catch (const SolverFailure &)
      {
        throw;
      }
    catch (const std::exception &e)
      {
        // A breakdown inside PETSc, hypre, Amesos or ML: the Newton step is
        // cut and retried like any other solver failure.
        throw SolverFailure(std::string("the linear solver failed: ") +
                            e.what());
      }
    return control.last_step();
  }
} // namespace anodeless
