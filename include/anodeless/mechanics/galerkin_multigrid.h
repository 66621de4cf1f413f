#pragma once

#include <deal.II/dofs/dof_handler.h>

#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <Epetra_Operator.h>

#include <memory>
#include <vector>

namespace anodeless
{
  /**
   * Translations and rotations (the rigid-body modes) at the locally owned
   * unknowns @p owned of a Q1 displacement, one mode after the other (ML's
   * layout), on the active cells or, if @p level is given, on that level's
   * cells. @p constant_modes receives each unknown's component.
   */
  template <int dim>
  std::vector<double>
  rigid_body_modes(const dealii::DoFHandler<dim>  &dof_handler,
                   const dealii::IndexSet         &owned,
                   std::vector<std::vector<bool>> &constant_modes,
                   unsigned int level = dealii::numbers::invalid_unsigned_int);

  /**
   * Set up @p amg, Trilinos ML's smoothed aggregation for a displacement
   * matrix, with @p modes (from rigid_body_modes(); empty in 1D) as the near
   * null space.
   */
  void
  initialize_elasticity_amg(
    dealii::TrilinosWrappers::PreconditionAMG    &amg,
    const dealii::TrilinosWrappers::SparseMatrix &matrix,
    const std::vector<std::vector<bool>>         &constant_modes,
    const std::vector<double>                    &modes);

  /**
   * @brief Geometric multigrid on the refinement levels of a uniformly
   * refined mesh, with Galerkin coarse operators (P^T A P), as a
   * preconditioner for the displacement solve.
   *
   * The coarsest level is the layer-conforming mesh, so every level
   * resolves the layers and their stiffness jumps. It is solved directly
   * below @p coarse_direct_limit unknowns, above by one application of the
   * smoothed-aggregation AMG (a fixed linear operator, so CG still applies).
   * The prolongation is the finite element's own interpolation between a
   * cell and its children. Constrained unknowns of the finest level (supports,
   * the plate's and lateral faces' shared unknowns) are left out of the
   * coarse spaces, which therefore hold only displacements the constraints
   * allow. Smoothing: symmetric Gauss-Seidel sweeps (per rank), W- or
   * V-cycle.
   *
   * Works on meshes whose active cells all lie on the finest level (global
   * refinement, no hanging nodes); applicable() says whether a mesh
   * qualifies. The triangulation must keep its multigrid hierarchy.
   */
  template <int dim>
  class GalerkinMultigrid
  {
  public:
    /// Whether the active cells of @p dof_handler's mesh all lie on one
    /// level above the coarsest (over all ranks).
    static bool
    applicable(const dealii::DoFHandler<dim> &dof_handler);

    /// Build the hierarchy for @p matrix (which must stay alive while this
    /// object is used). @p dof_handler must have its level unknowns
    /// distributed. With @p keep_transfer the interpolation between the
    /// levels of the last call is kept (it depends on the mesh, its
    /// unknowns and @p constraints only, which the caller then guarantees
    /// unchanged): only what depends on the matrix is built again.
    void
    initialize(const dealii::DoFHandler<dim>                &dof_handler,
               const dealii::AffineConstraints<double>      &constraints,
               const dealii::TrilinosWrappers::SparseMatrix &matrix,
               unsigned int                                  sweeps,
               dealii::types::global_dof_index coarse_direct_limit,
               bool                            line_smoother = false,
               bool                            keep_transfer = false,
               bool                            w_cycle       = true);

    /// One cycle (W or V) applied to @p src with a zero start.
    void
    vmult(dealii::TrilinosWrappers::MPI::Vector       &dst,
          const dealii::TrilinosWrappers::MPI::Vector &src) const;

  private:
    void
    cycle(unsigned int                                 level,
          dealii::TrilinosWrappers::MPI::Vector       &x,
          const dealii::TrilinosWrappers::MPI::Vector &b) const;

    /// The level's sweeps on x; @p from_zero: x is zero on entry.
    void
    smooth(unsigned int                                 level,
           dealii::TrilinosWrappers::MPI::Vector       &x,
           const dealii::TrilinosWrappers::MPI::Vector &b,
           bool from_zero = false) const;

    unsigned int sweeps = 2;
    /// Two coarse corrections per level (W-cycle) or one (V-cycle).
    bool w_cycle = true;
    /// [l] maps level l to level l + 1; the last maps to the active mesh.
    std::vector<dealii::TrilinosWrappers::SparseMatrix> prolongation;
    /// Galerkin operators of the coarse levels; the finest is the caller's.
    std::vector<dealii::TrilinosWrappers::SparseMatrix> coarse_matrices;
    const dealii::TrilinosWrappers::SparseMatrix       *fine_matrix = nullptr;
    /// Symmetric Gauss-Seidel sweep of each level above the coarsest.
    std::vector<std::unique_ptr<Epetra_Operator>>              smoothers;
    std::unique_ptr<dealii::SolverControl>                     coarse_control;
    std::unique_ptr<dealii::TrilinosWrappers::SolverDirect>    coarse_solver;
    std::unique_ptr<dealii::TrilinosWrappers::PreconditionAMG> coarse_amg;
    std::vector<double>                                        coarse_modes;
    /// Work vectors per level: residual, coarse correction, smoother output,
    /// right-hand side of a coarse cycle.
    mutable std::vector<dealii::TrilinosWrappers::MPI::Vector> residual,
      correction, scratch, coarse_rhs;

    const dealii::TrilinosWrappers::SparseMatrix &
    matrix(unsigned int level) const;
  };
} // namespace anodeless
