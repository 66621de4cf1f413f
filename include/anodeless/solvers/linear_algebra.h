#pragma once

/**
 * @file The one place that chooses the linear-algebra backend (PETSc by
 * default, Trilinos with -DANODELESS_USE_TRILINOS=ON). Everything else uses
 * anodeless::LA; backend differences live in source/solvers/linear_solver.cc.
 */
#include <deal.II/lac/generic_linear_algebra.h>

namespace anodeless
{
  namespace LA
  {
#ifdef ANODELESS_USE_TRILINOS
    using namespace dealii::LinearAlgebraTrilinos;
#else
    using namespace dealii::LinearAlgebraPETSc;
#endif
  } // namespace LA
} // namespace anodeless
