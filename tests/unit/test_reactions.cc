// Butler-Volmer kinetics and the local reaction laws: the symmetric closed
// form, and derivatives against finite differences.
#include <anodeless/core/constants.h>
#include <anodeless/electrochemistry/local_reactions.h>
#include <anodeless/materials/nmc811.h>

#include <testing.h>

#include <cmath>

using namespace anodeless;
using namespace anodeless::testing;

namespace
{
  const double temperature = 318.15;
  const double f = constants::faraday / (constants::gas_constant * temperature);
} // namespace

ANODELESS_TEST(butler_volmer_symmetric)
{
  // alpha = 1/2: j = 2 j0 sinh(f eta / 2), so eta = (2/f) asinh(j / 2 j0).
  const double           j0 = 100.0; // A/m^2 (10 mA/cm^2)
  const PlatingReaction  plating({j0, 13.0e-6, 0.0, ButlerVolmer{0.5, 0.5, f}});
  PlatingReaction::State film;
  film.film_thickness = 1e-5; // plenty to strip
  film.nucleated      = true;
  for (const double j : {-300.0, -40.0, -1.0, -1e-3, 1e-3, 1.0, 40.0, 300.0})
    {
      const double eta = 2.0 / f * std::asinh(j / (2 * j0));
      const auto   r   = plating.solve(eta, film, 1.0);
      check_relative(r.faradaic,
                     j,
                     1e-8,
                     "plating current at eta = " + describe(eta));
    }
  // Small-signal charge-transfer resistance RT/(F j0) (PARAMETERS.md: 2.74
  // Ohm cm^2 for j0 = 10 mA/cm^2 at 45 C).
  const double r_ct = 1 / (f * j0) * 1e4; // Ohm cm^2
  check_relative(r_ct, 2.7416, 1e-3, "R_ct at 45 C");
}

ANODELESS_TEST(reaction_derivatives)
{
  const auto fd_check = [](const auto        &current,
                           const double       x,
                           const double       derivative,
                           const std::string &what) {
    const double h  = 1e-7;
    const double fd = (current(x + h) - current(x - h)) / (2 * h);
    check_relative(derivative, fd, 1e-5, what, 1e-10);
  };

  // Cathode particle: the implicit step condensed into j(dphi).
  const Nmc811Diffusivity diffusivity("ORegan2022",
                                      4e-15,
                                      12.05e3,
                                      temperature);
  const CathodeReaction   cathode(
    {3.8e-6, 12, 49100, 2.0, 0.6, ButlerVolmer{0.5, 0.5, f}},
    nmc811_ocp_zhuo2023(),
    diffusivity);
  std::vector<double> shells(12, 0.6 * 49100);
  for (unsigned int k = 0; k < 12; ++k)
    shells[k] += 300.0 * k; // a profile
  for (const double dt : {1.0, 100.0})
    for (const double dphi : {3.70, 3.85, 3.95, 4.1})
      {
        const auto r = cathode.solve(dphi, shells.data(), dt);
        fd_check(
          [&](const double x) {
            return cathode.solve(x, shells.data(), dt).current;
          },
          dphi,
          r.derivative,
          "cathode dj/dphi at " + describe(dphi) + " V, dt " + describe(dt));
        // Consistency: with this current the surface sits at the OCP plus
        // the Butler-Volmer overpotential.
        const double x = cathode.surface_fraction(shells.data(), dt, r.current);
        const double j0  = 2.0 * std::sqrt(x * (1 - x));
        const double eta = dphi - cathode.ocp(x);
        check_relative(r.current,
                       j0 * 2 * std::sinh(0.5 * f * eta),
                       1e-9,
                       "cathode current satisfies Butler-Volmer");
      }

  // Carbon storage.
  const CarbonReaction carbon(
    {0.8, 2.0, 7.5e8, 5.3e6, 0.1, ButlerVolmer{0.5, 0.5, f}});
  for (const double theta : {1e-4, 0.3, 0.75})
    for (const double dphi : {-0.05, 0.0, 0.1, 0.5})
      {
        const auto r = carbon.solve(dphi, theta, 10.0);
        fd_check(
          [&](const double x) { return carbon.solve(x, theta, 10.0).current; },
          dphi,
          r.derivative,
          "carbon dj/dphi at theta " + describe(theta));
        const double next = carbon.advance(theta, 10.0, r.current);
        check(next > 0 && next < 1, "filling stays in (0, 1)");
      }
  check(carbon.ocp(1e-4) > 1.0 && carbon.ocp(1e-4) < 1.2,
        "empty carbon near 1 V vs Li");
  check(carbon.ocp(0.95) < 0, "nearly full carbon below 0 V vs Li");

  // Plating with its double layer, and the stripping cap.
  const PlatingReaction plating(
    {130.0, 13.0e-6, 0.1, ButlerVolmer{0.5, 0.5, f}});
  PlatingReaction::State film{2e-9, -0.01, true};
  for (const double dphi : {-0.02, -0.001, 0.001})
    {
      const auto r = plating.solve(dphi, film, 1.0);
      fd_check(
        [&](const double x) {
          const auto s = plating.solve(x, film, 1.0);
          return s.faradaic + s.capacitive;
        },
        dphi,
        r.derivative,
        "plating dj/dphi at " + describe(dphi));
    }
  // Stripping more than the film holds is capped: the film empties exactly.
  const auto capped = plating.solve(0.2, film, 1.0);
  check_relative(capped.faradaic,
                 constants::faraday * film.film_thickness / 13.0e-6,
                 1e-14,
                 "stripping cap");
  const auto empty = plating.advance(film, 0.2, 1.0, capped);
  check(empty.film_thickness == 0 && !empty.nucleated,
        "an emptied film closes the nucleation gate");
  // A closed gate carries only the double-layer current.
  const PlatingReaction::State bare{0, 1.0, false};
  const auto                   r = plating.solve(0.5, bare, 2.0);
  check(r.faradaic == 0, "no plating before nucleation");
  check_relative(r.capacitive,
                 0.1 * (0.5 - 1.0) / 2.0,
                 1e-14,
                 "double-layer current");
}
