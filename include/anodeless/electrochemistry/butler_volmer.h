#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

namespace anodeless
{
  /**
   * @brief Butler-Volmer kinetics, j = j0 [exp(a_a f eta) - exp(-a_c f eta)]
   * with f = F/(R T); j > 0 anodic (Li leaves its host).
   */
  struct ButlerVolmer
  {
    double alpha_anodic   = 0.5;
    double alpha_cathodic = 0.5;
    double f              = 0; ///< F/(R T) [1/V]

    /// exp() arguments are capped so that wild Newton iterates stay finite.
    static double
    safe_exp(const double x)
    {
      return std::exp(std::clamp(x, -300.0, 300.0));
    }

    /// j / j0 at overpotential eta [V].
    double
    shape(const double eta) const
    {
      return safe_exp(alpha_anodic * f * eta) -
             safe_exp(-alpha_cathodic * f * eta);
    }

    /// d(j / j0)/d eta [1/V].
    double
    shape_derivative(const double eta) const
    {
      return f * (alpha_anodic * safe_exp(alpha_anodic * f * eta) +
                  alpha_cathodic * safe_exp(-alpha_cathodic * f * eta));
    }

    /// shape() and shape_derivative() from one pair of exponentials (the
    /// local reaction solves evaluate both at every iterate).
    std::pair<double, double>
    shape_and_derivative(const double eta) const
    {
      const double anodic   = safe_exp(alpha_anodic * f * eta);
      const double cathodic = safe_exp(-alpha_cathodic * f * eta);
      return {anodic - cathodic,
              f * (alpha_anodic * anodic + alpha_cathodic * cathodic)};
    }
  };
} // namespace anodeless
