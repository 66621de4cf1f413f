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
      const auto [b, db] = data.kinetics.shape_and_derivative(eta);
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
    return surface_fraction(sphere.surface_response(c_old, d_faces, dt),
                            current);
  }

  double
  CathodeReaction::surface_fraction(
    const SphericalParticle::SurfaceResponse &surface,
    const double                              current,
    const double                              contact_scale) const
  {
    return (surface.offset + surface.slope * data.contact_fraction *
                               contact_scale * current / constants::faraday) /
           data.max_concentration;
  }

  CarbonReaction::CarbonReaction(const Data &data)
    : data(data)
  {
  }

  double
  CarbonReaction::ocp(const double theta_in, const double reversible_in) const
  {
    const double theta      = clamp_fraction(theta_in);
    const double reversible = std::clamp(reversible_in, fraction_floor, theta);
    return data.ocp_amplitude * std::pow(1 - theta, data.ocp_exponent) +
           std::log((1 - theta) / reversible) / data.kinetics.f;
  }

  ReactionResult
  CarbonReaction::solve(const double delta_phi,
                        const State &old,
                        const double dt,
                        const double guess) const
  {
    // Filling after the step, theta(j) = theta_old + s j with s < 0; the
    // part above the largest filling so far is fresh, and a share of it is
    // trapped.
    const double s     = -dt * data.specific_area / data.volumetric_capacity;
    const double j0    = data.exchange_current;
    const double f     = data.trapped_fraction;
    const double fresh = std::max(old.largest, old.filling);
    const auto   state = [&](const double j) {
      const double theta = old.filling + s * j;
      const double new_ =
        std::max(0.0, theta - fresh); // fresh filling this step
      const double trapped     = old.trapped + f * new_;
      const double dtrapped_dj = theta > fresh ? f * s : 0.0;
      return std::make_tuple(theta, theta - trapped, s - dtrapped_dj);
    };
    const auto evaluate = [&](const double j) {
      const auto [theta_raw, reversible_raw, dreversible_dj] = state(j);
      const double theta = clamp_fraction(theta_raw);
      const double reversible =
        std::clamp(reversible_raw, fraction_floor, theta);
      // (1 - theta)^(n - 1) once for the potential and its slope.
      const double power     = std::pow(1 - theta, data.ocp_exponent - 1);
      const double du_dtheta = -data.ocp_exponent * data.ocp_amplitude * power -
                               1 / ((1 - theta) * data.kinetics.f);
      const double du_dreversible = -1 / (reversible * data.kinetics.f);
      const double du_dj = du_dtheta * s + du_dreversible * dreversible_dj;
      const double u     = data.ocp_amplitude * power * (1 - theta) +
                       std::log((1 - theta) / reversible) / data.kinetics.f;
      const double eta   = delta_phi - u;
      const auto [b, db] = data.kinetics.shape_and_derivative(eta);
      const double g     = j - j0 * b;
      const double dg    = 1 + j0 * db * du_dj;
      return std::make_tuple(g, dg, j0 * db);
    };
    // The sites fill up (theta -> 1) or the reversible Li runs out.
    const double j_full  = (1 - old.filling) / s;
    const double j_empty = -(old.filling - old.trapped) / s;
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

  CarbonReaction::State
  CarbonReaction::advance(const State &old,
                          const double dt,
                          const double current) const
  {
    State next;
    next.filling = old.filling -
                   dt * data.specific_area * current / data.volumetric_capacity;
    const double fresh = std::max(old.largest, old.filling);
    next.trapped =
      old.trapped + data.trapped_fraction * std::max(0.0, next.filling - fresh);
    next.largest = std::max(fresh, next.filling);
    return next;
  }

  PlatingReaction::PlatingReaction(const Data &data)
    : data(data)
  {
  }

  PlatingReaction::Result
  PlatingReaction::solve(const double     delta_phi,
                         const State     &old,
                         const double     dt,
                         const Interface &interface,
                         const double     eta_shift) const
  {
    const double F = constants::faraday;
    Result       r;
    r.capacitive =
      data.double_layer_capacitance * (delta_phi - old.delta_phi) / dt;
    r.derivative = data.double_layer_capacitance / dt;
    // Parabolic SEI on Li that touches the electrolyte: q^2 grows by k^2 dt.
    const double film = old.film_thickness / data.molar_volume; // mol/m^2
    if (interface.sei_rate > 0 && film > 0)
      r.sei = std::min(film,
                       (std::sqrt(old.sei_charge * old.sei_charge +
                                  interface.sei_rate * dt) -
                        old.sei_charge) /
                         F);
    if (!old.nucleated)
      return r;
    const double eta   = delta_phi + eta_shift;
    const auto [b, db] = data.kinetics.shape_and_derivative(eta);
    const double j     = data.exchange_current * b;
    // Stripping cannot take more Li than the film still holds; of what it
    // takes, the dead share stays behind as isolated Li.
    const double j_max =
      F * (film - r.sei) * (1 - interface.dead_fraction) / dt;
    if (j >= j_max)
      r.faradaic = j_max;
    else
      {
        r.faradaic = j;
        r.derivative += data.exchange_current * db;
      }
    return r;
  }

  PlatingReaction::State
  PlatingReaction::advance(const State     &old,
                           const double     delta_phi,
                           const double     dt,
                           const Result    &r,
                           const Interface &interface) const
  {
    const double F        = constants::faraday;
    const double stripped = r.faradaic > 0 ? r.faradaic * dt / F : 0.0;
    const double plated   = r.faradaic < 0 ? -r.faradaic * dt / F : 0.0;
    const double dead =
      stripped * interface.dead_fraction / (1 - interface.dead_fraction);
    State next;
    next.film_thickness =
      old.film_thickness +
      data.molar_volume * (plated - stripped - dead - r.sei);
    // A film stripped to its end leaves round-off, not Li: without this a
    // residue of 1e-30 m would stay "nucleated" and cap the current.
    if (next.film_thickness <= 1e-12 * old.film_thickness)
      next.film_thickness = 0;
    next.delta_phi  = delta_phi;
    next.dead       = old.dead + dead;
    next.sei_lost   = old.sei_lost + r.sei;
    next.sei_charge = r.sei > 0 ? old.sei_charge + r.sei * F : old.sei_charge;
    // A film stripped to nothing returns the interface to bare substrate;
    // the next film starts without SEI.
    next.nucleated =
      old.nucleated && !(next.film_thickness <= 0 && r.faradaic > 0);
    if (next.film_thickness <= 0)
      next.sei_charge = 0;
    return next;
  }
} // namespace anodeless
