#include <anodeless/electrochemistry/local_reactions.h>
#include <anodeless/mechanics/constitutive.h>

#include <cmath>

namespace anodeless
{
  using namespace dealii;

  Elasticity
  Elasticity::from_young_poisson(const double E, const double nu)
  {
    return {E / (3 * (1 - 2 * nu)), E / (2 * (1 + nu))};
  }

  Tangent
  Elasticity::stiffness() const
  {
    return bulk * outer_product(unit_symmetric_tensor<3>(),
                                unit_symmetric_tensor<3>()) +
           2 * shear * deviator_tensor<3>();
  }

  Stress
  Elasticity::stress(const Strain &e) const
  {
    return bulk * trace(e) * unit_symmetric_tensor<3>() +
           2 * shear * deviator(e);
  }

  J2Plasticity::J2Plasticity(const Elasticity &elasticity,
                             const double      yield_stress,
                             const double      hardening_modulus)
    : elasticity(elasticity)
    , yield_stress(yield_stress)
    , hardening(hardening_modulus)
  {
  }

  Response
  J2Plasticity::respond(const Strain        &strain,
                        const MaterialState &old,
                        MaterialState       &updated) const
  {
    const double K             = elasticity.bulk;
    const double mu            = elasticity.shear;
    updated                    = old;
    const Strain elastic_trial = strain - old.plastic_strain;
    const Stress s_trial       = 2 * mu * deviator(elastic_trial);
    const double norm          = s_trial.norm();
    const double radius =
      std::sqrt(2.0 / 3.0) *
      (yield_stress + hardening * old.equivalent_plastic_strain);
    Response   r;
    const auto I  = unit_symmetric_tensor<3>();
    const auto II = outer_product(I, I);
    if (norm <= radius)
      {
        r.stress  = K * trace(elastic_trial) * I + s_trial;
        r.tangent = K * II + 2 * mu * deviator_tensor<3>();
        return r;
      }
    const double gamma = (norm - radius) / (2 * mu + 2.0 / 3.0 * hardening);
    const Stress n     = s_trial / norm;
    updated.plastic_strain += gamma * n;
    updated.equivalent_plastic_strain += std::sqrt(2.0 / 3.0) * gamma;
    r.stress = K * trace(elastic_trial) * I + s_trial - 2 * mu * gamma * n;
    const double theta     = 1 - 2 * mu * gamma / norm;
    const double theta_bar = 1 / (1 + hardening / (3 * mu)) - (1 - theta);
    r.tangent              = K * II + 2 * mu * theta * deviator_tensor<3>() -
                2 * mu * theta_bar * outer_product(n, n);
    return r;
  }

  HeckelCompaction::HeckelCompaction(const Elasticity &elasticity,
                                     const double      heckel_k,
                                     const double      heckel_a,
                                     const double      initial_density)
    : elasticity(elasticity)
    , k(heckel_k)
    , a(heckel_a)
    , d0(initial_density)
  {
  }

  double
  HeckelCompaction::relative_density(const double p) const
  {
    return std::max(d0, 1 - std::exp(-(k * p + a)));
  }

  std::pair<double, double>
  HeckelCompaction::volumetric_plastic_strain(const double p) const
  {
    const double d = 1 - std::exp(-(k * p + a));
    if (d <= d0)
      return {0.0, 0.0};
    // d/dp ln(D0/D) = -(dD/dp)/D, dD/dp = k (1 - D)
    return {std::log(d0 / d), -k * (1 - d) / d};
  }

  Response
  HeckelCompaction::respond(const Strain        &strain,
                            const MaterialState &old,
                            MaterialState       &updated) const
  {
    const double K            = elasticity.bulk;
    const double mu           = elasticity.shear;
    const auto   I            = unit_symmetric_tensor<3>();
    updated                   = old;
    const double volumetric   = trace(strain);
    const double plastic_old  = trace(old.plastic_strain);
    const double p_trial      = -K * (volumetric - plastic_old);
    double       p            = p_trial;
    double       bulk_tangent = K;
    if (p_trial > old.max_pressure)
      {
        // Loading beyond the history: p = -K (e_v - e_p(p)), monotone in p.
        const auto g = [&](const double x) {
          const auto [ep, dep] = volumetric_plastic_strain(x);
          return std::make_pair(x + K * (volumetric - ep), 1 - K * dep);
        };
        p = safeguarded_newton(g, old.max_pressure, p_trial, p_trial);
        const auto [ep, dep]   = volumetric_plastic_strain(p);
        updated.max_pressure   = p;
        updated.plastic_strain = ep / 3.0 * I;
        bulk_tangent           = K / (1 - K * dep);
      }
    // A compact of particles carries no mean tension: it opens instead.
    if (p < 0)
      {
        p            = 0;
        bulk_tangent = 0;
      }
    Response r;
    r.stress = -p * I + 2 * mu * deviator(strain);
    r.tangent =
      bulk_tangent * outer_product(I, I) + 2 * mu * deviator_tensor<3>();
    return r;
  }

  double
  HeckelCompaction::opening(const Strain &strain, const MaterialState &state)
  {
    return std::max(0.0, trace(strain) - trace(state.plastic_strain));
  }

  FilmBand::FilmBand(const Elasticity &elasticity,
                     const double      band_thickness,
                     const double      creep_rate_factor,
                     const double      creep_exponent)
    : elasticity(elasticity)
    , thickness(band_thickness)
    , creep(creep_rate_factor)
    , exponent(creep_exponent)
  {
  }

  Response
  FilmBand::respond(const Strain      &strain,
                    const unsigned int axis,
                    const double       g_old,
                    const double       growth,
                    const double       dt,
                    double            &g_new) const
  {
    Strain nn;
    nn[axis][axis]     = 1;
    const Tangent C    = elasticity.stiffness();
    const Stress  Cnn  = C * nn;                    // C : (n n)
    const double  M    = Cnn[axis][axis];           // constrained modulus
    const double  p0   = -(C * strain)[axis][axis]; // pressure without film
    const double  base = std::max(0.0, g_old + growth);
    // R(g) = g - base + dt g c max(p, 0)^n, p = p0 + M g / t
    const auto residual = [&](const double g) {
      const double p = std::max(0.0, p0 + M * g / thickness);
      // One power serves the rate and its derivative.
      const double power = p > 0 ? creep * std::pow(p, exponent - 1) : 0.0;
      const double rate  = power * p;
      const double drate = exponent * power * M / thickness;
      return std::make_pair(g - base + dt * g * rate,
                            1 + dt * (rate + g * drate));
    };
    g_new = base > 0 ? safeguarded_newton(residual, 0.0, base, base) : 0.0;

    Response r;
    r.stress  = C * (strain - (g_new / thickness) * nn);
    r.tangent = C;
    if (g_new > 0)
      {
        // dg/d(strain) from R = 0: dR/dg dg = -dt g c n p^(n-1) dp, with
        // dp/d(strain) = -Cnn.
        const double p           = std::max(0.0, p0 + M * g_new / thickness);
        const double drdg        = residual(g_new).second;
        const double coefficient = p > 0 ? dt * g_new * creep * exponent *
                                             std::pow(p, exponent - 1) / drdg :
                                           0.0;
        // dg/dstrain = coefficient * Cnn; stress = C:strain - C:nn g / t
        r.tangent -= (coefficient / thickness) * outer_product(Cnn, Cnn);
      }
    return r;
  }

  double
  PowerLawCreep::rate(const double stress) const
  {
    return rate_factor * std::pow(std::abs(stress), exponent) *
           (stress < 0 ? -1.0 : 1.0);
  }

  double
  PowerLawCreep::relax(const double stress_old,
                       const double youngs_modulus,
                       const double dt) const
  {
    // sigma + dt E A sigma^n = sigma_old, monotone in sigma (same sign).
    const double s = std::abs(stress_old);
    const auto   g = [&](const double x) {
      // One power serves the rate and its derivative (x^0 = 1 at n = 1).
      const double power = dt * youngs_modulus * rate_factor *
                           (x > 0         ? std::pow(x, exponent - 1) :
                              exponent == 1 ? 1.0 :
                                              0.0);
      return std::make_pair(x + power * x - s, 1 + exponent * power);
    };
    const double relaxed = s > 0 ? safeguarded_newton(g, 0.0, s, s) : 0.0;
    return stress_old < 0 ? -relaxed : relaxed;
  }
} // namespace anodeless
