#include <anodeless/core/constants.h>
#include <anodeless/electrochemistry/local_reactions.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace anodeless
{
  namespace
  {
    // Keeps fractions away from 0 and 1 where logarithms and powers diverge.
    constexpr double fraction_floor = 1e-14;

    double
    clamp_fraction(const double x)
    {
      return std::clamp(x, fraction_floor, 1 - fraction_floor);
    }
  } // namespace

  CathodeReaction::CathodeReaction(const Data              &data,
                                   const MonotoneTable     &ocp,
                                   const Nmc811Diffusivity &diffusivity)
    : data(data)
    , table(ocp)
    , diffusivity(diffusivity)
    , sphere(data.radius, data.n_shells)
    , d_faces(data.n_shells)
  {
  }

  void
  CathodeReaction::face_diffusivities(const double *c_old) const
  {
    const unsigned int n    = data.n_shells;
    const double       cmax = data.max_concentration;
    for (unsigned int k = 0; k + 1 < n; ++k)
      d_faces[k] = diffusivity(0.5 * (c_old[k] + c_old[k + 1]) / cmax);
    d_faces[n - 1] = diffusivity(c_old[n - 1] / cmax);
  }

  SphericalParticle::SurfaceResponse
  CathodeReaction::surface_response(const double *c_old, const double dt) const
  {
    face_diffusivities(c_old);
    return sphere.surface_response(c_old, d_faces, dt);
  }

  ReactionResult
  CathodeReaction::solve(const double                              delta_phi,
                         const SphericalParticle::SurfaceResponse &surface,
                         const double                              guess,
                         const double contact_scale) const
  {
    const double F         = constants::faraday;
    const double cmax      = data.max_concentration;
    const double aa        = data.kinetics.alpha_anodic;
    const double ac        = data.kinetics.alpha_cathodic;
    const double k         = data.rate_constant;
    const bool   symmetric = aa == 0.5 && ac == 0.5;
    // x(j) = (offset + slope f j / F) / cmax, decreasing in j.
    const double flux_per_current = data.contact_fraction * contact_scale / F;
    const double dx_dj            = surface.slope * flux_per_current / cmax;

    // Returns g(j), g'(j), and j0 B'(eta) for the derivative.
    const auto evaluate = [&](const double j) {
      const double x = clamp_fraction(
        (surface.offset + surface.slope * flux_per_current * j) / cmax);
      const auto [u, du] = table.value_and_derivative(x);
      const double eta   = delta_phi - u;
      const double j0    = symmetric ? k * std::sqrt(x * (1 - x)) :
                                       k * std::pow(x, ac) * std::pow(1 - x, aa);
      const double dj0   = j0 * (ac / x - aa / (1 - x));
      const double b     = data.kinetics.shape(eta);
      const double db    = data.kinetics.shape_derivative(eta);
      const double g     = j - j0 * b;
      const double dg    = 1 - dx_dj * (dj0 * b - j0 * db * du);
      return std::make_tuple(g, dg, j0 * db);
    };
    const double j_full =
      (cmax - surface.offset) / (surface.slope * flux_per_current);
    const double j_empty = -surface.offset / (surface.slope * flux_per_current);
    const double j       = safeguarded_newton(
      [&](const double x) {
        const auto [g, dg, unused] = evaluate(x);
        (void)unused;
        return std::make_pair(g, dg);
      },
      std::min(j_full, j_empty),
      std::max(j_full, j_empty),
      guess);
    const auto [g, dg, dj_deta] = evaluate(j);
    (void)g;
    return {j, dj_deta / dg};
  }

  void
  CathodeReaction::advance(const double *c_old,
                           const double  dt,
                           const double  current,
                           double       *c_new,
                           const double  contact_scale) const
  {
    face_diffusivities(c_old);
    sphere.advance(c_old,
                   d_faces,
                   dt,
                   data.contact_fraction * contact_scale * current /
                     constants::faraday,
                   c_new);
  }

  double
  CathodeReaction::surface_fraction(const double *c_old,
                                    const double  dt,
                                    const double  current) const
  {
    face_diffusivities(c_old);
    const auto surface = sphere.surface_response(c_old, d_faces, dt);
    return (surface.offset + surface.slope * data.contact_fraction * current /
                               constants::faraday) /
           data.max_concentration;
  }

  CarbonReaction::CarbonReaction(const Data &data)
    : data(data)
  {
  }

  double
  CarbonReaction::ocp(const double theta_in) const
  {
    const double theta = clamp_fraction(theta_in);
    return data.ocp_amplitude * std::pow(1 - theta, data.ocp_exponent) +
           std::log((1 - theta) / theta) / data.kinetics.f;
  }

  ReactionResult
  CarbonReaction::solve(const double delta_phi,
                        const double theta_old,
                        const double dt,
                        const double guess) const
  {
    const double a        = data.specific_area;
    const double Q        = data.volumetric_capacity;
    const double dth_dj   = -dt * a / Q;
    const double j0       = data.exchange_current;
    const auto   evaluate = [&](const double j) {
      const double theta = clamp_fraction(theta_old + dth_dj * j);
      const double du    = -data.ocp_exponent * data.ocp_amplitude *
                          std::pow(1 - theta, data.ocp_exponent - 1) -
                        (1 / (1 - theta) + 1 / theta) / data.kinetics.f;
      const double eta = delta_phi - ocp(theta);
      const double db  = data.kinetics.shape_derivative(eta);
      const double g   = j - j0 * data.kinetics.shape(eta);
      const double dg  = 1 + j0 * db * du * dth_dj;
      return std::make_tuple(g, dg, j0 * db);
    };
    const double j_full  = (1 - theta_old) / dth_dj;
    const double j_empty = -theta_old / dth_dj;
    const double j       = safeguarded_newton(
      [&](const double x) {
        const auto [g, dg, unused] = evaluate(x);
        (void)unused;
        return std::make_pair(g, dg);
      },
      j_full,
      j_empty,
      guess);
    const auto [g, dg, dj_deta] = evaluate(j);
    (void)g;
    return {j, dj_deta / dg};
  }

  double
  CarbonReaction::advance(const double theta_old,
                          const double dt,
                          const double current) const
  {
    return theta_old -
           dt * data.specific_area * current / data.volumetric_capacity;
  }

  PlatingReaction::PlatingReaction(const Data &data)
    : data(data)
  {
  }

  PlatingReaction::Result
  PlatingReaction::solve(const double delta_phi,
                         const State &old,
                         const double dt,
                         const double eta_shift) const
  {
    Result r;
    r.capacitive =
      data.double_layer_capacitance * (delta_phi - old.delta_phi) / dt;
    r.derivative = data.double_layer_capacitance / dt;
    if (!old.nucleated)
      return r;
    const double eta = delta_phi + eta_shift;
    const double j   = data.exchange_current * data.kinetics.shape(eta);
    // Stripping cannot remove more Li than the film holds.
    const double j_max =
      constants::faraday * old.film_thickness / (data.molar_volume * dt);
    if (j >= j_max)
      r.faradaic = j_max;
    else
      {
        r.faradaic = j;
        r.derivative +=
          data.exchange_current * data.kinetics.shape_derivative(eta);
      }
    return r;
  }

  PlatingReaction::State
  PlatingReaction::advance(const State  &old,
                           const double  delta_phi,
                           const double  dt,
                           const Result &r) const
  {
    State next;
    next.film_thickness =
      std::max(0.0,
               old.film_thickness -
                 dt * data.molar_volume * r.faradaic / constants::faraday);
    next.delta_phi = delta_phi;
    // A film stripped to nothing returns the interface to bare substrate.
    next.nucleated =
      old.nucleated && !(next.film_thickness <= 0 && r.faradaic > 0);
    return next;
  }
} // namespace anodeless
