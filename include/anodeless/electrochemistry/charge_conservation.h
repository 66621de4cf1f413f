#pragma once

#include <deal.II/base/tensor.h>

#include <deal.II/fe/fe_values.h>

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include <vector>

namespace anodeless
{
  /**
   * @brief The weak form of charge conservation at one quadrature point, the
   * one place where it is written down.
   *
   * Unknowns are phi_s (component 0) and phi_e (component 1); test functions
   * v (phi_s) and w (phi_e). With the volumetric reaction rate aj = a j
   * [A/m^3] (> 0 anodic):
   *
   *   R_i += JxW [ sigma grad phi_s . grad v_i + kappa grad phi_e . grad w_i
   *                + aj (v_i - w_i) ]
   *
   * and, with d(aj)/d(phi_s - phi_e) = daj, the exact Jacobian
   *
   *   J_ij += JxW [ sigma grad v_j . grad v_i + kappa grad w_j . grad w_i
   *                 + daj (v_j - w_j)(v_i - w_i) ],
   *
   * symmetric, and positive definite where the reactions are.
   *
   * @param component the vector component (0 or 1) of each local unknown
   */
  template <int dim>
  inline void
  add_charge_conservation(const dealii::FEValues<dim>     &values,
                          const unsigned int               q,
                          const std::vector<unsigned int> &component,
                          const dealii::Tensor<1, dim>    &grad_phi_s,
                          const dealii::Tensor<1, dim>    &grad_phi_e,
                          const double                     sigma,
                          const double                     kappa,
                          const double                     aj,
                          const double                     daj,
                          const bool                       with_jacobian,
                          dealii::FullMatrix<double>      &matrix,
                          dealii::Vector<double>          &residual)
  {
    const double       JxW = values.JxW(q);
    const unsigned int n   = component.size();
    for (unsigned int i = 0; i < n; ++i)
      {
        const unsigned int ci      = component[i];
        const double       value_i = values.shape_value(i, q);
        const auto        &grad_i  = values.shape_grad(i, q);
        const double       sign_i  = ci == 0 ? 1.0 : -1.0;
        residual(i) += JxW * ((ci == 0 ? sigma * (grad_phi_s * grad_i) :
                                         kappa * (grad_phi_e * grad_i)) +
                              aj * sign_i * value_i);
        if (with_jacobian)
          for (unsigned int j = 0; j < n; ++j)
            {
              const unsigned int cj = component[j];
              double m = daj * sign_i * value_i * (cj == 0 ? 1.0 : -1.0) *
                         values.shape_value(j, q);
              if (ci == cj)
                m += (ci == 0 ? sigma : kappa) *
                     (grad_i * values.shape_grad(j, q));
              matrix(i, j) += JxW * m;
            }
      }
  }
} // namespace anodeless
