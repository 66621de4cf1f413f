// Butler-Volmer kinetics and the local reaction laws: the symmetric closed
// form, and derivatives against finite differences.
#include <anodeless/core/constants.h>
#include <anodeless/electrochemistry/local_reactions.h>
#include <anodeless/electrochemistry/short_circuit.h>
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

  // Carbon storage (with first-lithiation trapping).
  const CarbonReaction carbon(
    {0.8, 2.0, 7.5e8, 5.3e6, 0.1, 0.2, ButlerVolmer{0.5, 0.5, f}});
  for (const double theta : {1e-4, 0.3, 0.75})
    for (const double dphi : {-0.05, 0.0, 0.1, 0.5})
      {
        const CarbonReaction::State state{theta, 0.1 * theta, 0.5};
        const auto                  r = carbon.solve(dphi, state, 10.0);
        fd_check(
          [&](const double x) { return carbon.solve(x, state, 10.0).current; },
          dphi,
          r.derivative,
          "carbon dj/dphi at theta " + describe(theta));
        const auto next = carbon.advance(state, 10.0, r.current);
        check(next.filling > 0 && next.filling < 1 &&
                next.filling > next.trapped,
              "filling stays in (0, 1) above the trapped Li");
      }
  check(carbon.ocp(1e-4) > 1.0 && carbon.ocp(1e-4) < 1.2,
        "empty carbon near 1 V vs Li");
  check(carbon.ocp(0.95) < 0, "nearly full carbon below 0 V vs Li");
  // Plating with its double layer, and the stripping cap.
  const PlatingReaction plating(
    {130.0, 13.0e-6, 0.1, ButlerVolmer{0.5, 0.5, f}});
  PlatingReaction::State film;
  film.film_thickness = 2e-9;
  film.delta_phi      = -0.01;
  film.nucleated      = true;
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
  PlatingReaction::State bare;
  bare.delta_phi = 1.0;
  const auto r   = plating.solve(0.5, bare, 2.0);
  check(r.faradaic == 0, "no plating before nucleation");
  check_relative(r.capacitive,
                 0.1 * (0.5 - 1.0) / 2.0,
                 1e-14,
                 "double-layer current");
}

ANODELESS_TEST(loss_mechanisms)
{
  // First lithiation: a share of the Li entering fresh sites is trapped;
  // refilling sites filled before traps nothing; trapped Li cannot be
  // extracted.
  const CarbonReaction carbon(
    {0.8, 2.0, 7.5e8, 5.3e6, 0.1, 0.25, ButlerVolmer{0.5, 0.5, f}});
  CarbonReaction::State s{0.1, 0.0, 0.1};
  s                 = carbon.advance(s, 100.0, -1e-3); // lithiate
  const double gain = 100.0 * 5.3e6 * 1e-3 / 7.5e8;
  check_relative(s.filling, 0.1 + gain, 1e-14, "filling rises by a j dt / Q");
  check_relative(s.trapped,
                 0.25 * gain,
                 1e-12,
                 "a quarter of fresh Li trapped");
  auto back = carbon.advance(s, 100.0, 1e-3);     // delithiate
  back      = carbon.advance(back, 100.0, -1e-3); // refill the same sites
  check_relative(back.trapped, s.trapped, 1e-14, "refilling traps nothing");
  // Delithiating hard empties the reversible Li only.
  CarbonReaction::State loaded{0.3, 0.1, 0.3};
  for (unsigned int k = 0; k < 50; ++k)
    loaded =
      carbon.advance(loaded, 10.0, carbon.solve(2.0, loaded, 10.0).current);
  check(loaded.filling >= loaded.trapped &&
          loaded.filling - loaded.trapped < 1e-6,
        "the reversible Li runs out, the trapped Li stays: filling " +
          describe(loaded.filling) + ", trapped " + describe(loaded.trapped));

  // Dead Li: stripping at j removes j dt / F / (1 - f) from the film.
  const PlatingReaction plating(
    {130.0, 13.0e-6, 0.1, ButlerVolmer{0.5, 0.5, f}});
  PlatingReaction::Interface losses;
  losses.dead_fraction = 0.2;
  PlatingReaction::State film;
  film.film_thickness   = 1e-6;
  film.nucleated        = true;
  const auto   r        = plating.solve(0.01, film, 10.0, losses);
  const auto   next     = plating.advance(film, 0.01, 10.0, r, losses);
  const double stripped = r.faradaic * 10.0 / 96485.33212;
  check_relative(next.dead, 0.25 * stripped, 1e-12, "dead Li share");
  check_relative(film.film_thickness - next.film_thickness,
                 13.0e-6 * (stripped + next.dead),
                 1e-10,
                 "film loss");
  // The stripping cap accounts for the dead share.
  const auto capped = plating.solve(0.3, film, 1.0, losses);
  const auto empty  = plating.advance(film, 0.3, 1.0, capped, losses);
  check(empty.film_thickness == 0 && !empty.nucleated,
        "film emptied to exactly 0 (no round-off residue)");
  check_relative((capped.faradaic / 96485.33212) / 0.8 * 13.0e-6,
                 1e-6,
                 1e-12,
                 "stripped + dead = film");
}

ANODELESS_TEST(sei_parabolic_law)
{
  // q = k sqrt(t) from the differential form dq/dt = k^2/(2q), with k at
  // 25 C and the activation energy of k^2: reproduces Aktekin 2023's 3.0
  // (25 C) and 5.5 (40 C) uAh cm^-2 h^-1/2.
  const double to_si =
    3.6e-6 / 1e-4 / 60.0; // uAh cm^-2 h^-1/2 -> C m^-2 s^-1/2
  for (const auto &[celsius, measured] :
       {std::pair<double, double>{25.0, 3.0}, {40.0, 5.5}})
    {
      const double T  = 273.15 + celsius;
      const double k2 = std::pow(3.0 * to_si, 2) *
                        std::exp(-62e3 / 8.314462618 * (1 / T - 1 / 298.15));
      const PlatingReaction plating(
        {130.0, 13.0e-6, 0.1, ButlerVolmer{0.5, 0.5, f}});
      PlatingReaction::Interface touching;
      touching.sei_rate = k2;
      PlatingReaction::State film;
      film.film_thickness = 1e-3; // plenty of Li
      // Ten hours in steps of varying length: the implicit update of q^2 is
      // exact for any step.
      double time = 0;
      for (const double dt : {1.0, 10.0, 100.0, 3600.0, 32289.0})
        {
          const auto r = plating.solve(0.0, film, dt, touching);
          film         = plating.advance(film, 0.0, dt, r, touching);
          time += dt;
        }
      const double k_fit = film.sei_charge / std::sqrt(time) / to_si;
      check_relative(k_fit,
                     measured,
                     0.02,
                     "k_q at " + describe(celsius) + " C");
      check_relative(film.sei_lost * 96485.33212,
                     film.sei_charge,
                     1e-12,
                     "Li in the SEI = q / F");
      log() << celsius << " C: k_q = " << k_fit
            << " uAh cm^-2 h^-1/2 (measured " << measured << ")\n";
    }
}

ANODELESS_TEST(short_circuit_criteria)
{
  // The margins against their closed forms (MODEL.md section 8), with the
  // default parameters written out here.
  ShortCircuitParameters p;
  const double           F = constants::faraday, omega = 13.0e-6;
  ContactStatistics      halide;
  halide.interface                 = "Halide layer|Separator";
  halide.halide_below              = true;
  halide.has_li                    = true;
  halide.max_current               = 2.0;   // A/m^2
  halide.max_plating_overpotential = 0.004; // V
  halide.max_stripping             = 0.0;

  // At the reference density, 25 C and no pressure j_CCD = 10 A/m^2.
  auto m = evaluate_short_circuit(p,
                                  {halide},
                                  0.83,
                                  298.15,
                                  0.0,
                                  0.25,
                                  omega,
                                  1e-10,
                                  6.6);
  check_relative(critical_current_density(p, 0.83, 298.15, 0),
                 10.0,
                 1e-14,
                 "j_CCD at the reference density");
  check_relative(critical_current_density(p, 0.99, 298.15, 0),
                 90.0,
                 1e-13,
                 "j_CCD at the dense density");
  check_relative(m.margin[0], 1 - 2.0 / 10.0, 1e-14, "S1 = 1 - j/j_CCD");
  const double flaw = 0.23e6 / (1.12 * std::sqrt(M_PI * 1e-6));
  check_relative(m.margin[1],
                 1 - F * 0.004 / omega / flaw,
                 1e-13,
                 "S2 = 1 - (F eta / Omega) / (K_IC / (Y sqrt(pi a)))");
  check_relative(m.margin[3],
                 1 - 2.0 / 0.25 / 10.0,
                 1e-13,
                 "S4 = 1 - j / f_e / j_CCD");
  check_relative(m.margin[4], 1.0, 1e-15, "S5 without stack pressure");
  check_relative(m.margin[2], 1.0, 1e-15, "S3 without pressure: no check");
  check(m.failed() == ShortCircuitMargins::n, "no criterion met");

  // 45 C, 5 MPa: Arrhenius and (1 + p / 10 MPa); a stripping contact.
  const double T = 318.15, pressure = 5e6;
  const double ccd =
    10.0 * std::exp(-30e3 / constants::gas_constant * (1 / T - 1 / 298.15)) *
    1.5;
  check_relative(critical_current_density(p, 0.83, T, pressure),
                 ccd,
                 1e-13,
                 "j_CCD(T, p)");
  halide.max_stripping = 1.0;
  const double A = 1.5e-49, n = 6.6; // feeds about 2 A/m^2 at 5 MPa
  m = evaluate_short_circuit(p, {halide}, 0.83, T, pressure, 0.25, omega, A, n);
  const double feed = F / omega * 10e-6 * A * std::pow(pressure, n);
  check_relative(m.margin[2],
                 1 - 1.0 / feed,
                 1e-12,
                 "S3 = 1 - j_strip / ((F/Omega) L A p^n)");
  check_relative(m.margin[4], 1 - 5e6 / 75e6, 1e-14, "S5 = 1 - p / p_pen");

  // Focused on 5 % spots the same current exceeds j_CCD: S4 fails, and the
  // soft short is fully developed.
  m = evaluate_short_circuit(p,
                             {halide},
                             0.83,
                             298.15,
                             0.0,
                             0.05,
                             omega,
                             1e-10,
                             6.6);
  check(m.failed() == 3, "S4 is the criterion met");
  check_relative(m.soft_short_conductance, 0.1, 1e-14, "full soft short");
  // At 90 % of j_CCD (onset 80 %) the soft short is half developed.
  halide.max_current = 0.9 * 10.0 * 0.05;
  m                  = evaluate_short_circuit(p,
                             {halide},
                             0.83,
                             298.15,
                             0.0,
                             0.05,
                             omega,
                             1e-10,
                             6.6);
  check_relative(m.soft_short_conductance, 0.05, 1e-12, "half soft short");
}
