// Material points of the mechanics against closed forms: elasticity with an
// eigenstrain, J2 plasticity, Heckel compaction under hydrostatic load, the
// no-tension compact, power-law creep, and tangents against finite
// differences.
#include <anodeless/mechanics/constitutive.h>

#include <testing.h>

#include <cmath>

using namespace anodeless;
using namespace anodeless::testing;
using dealii::unit_symmetric_tensor;

namespace
{
  // Finite-difference tangent of a response function.
  template <class F>
  void
  check_tangent(const F &respond, const Strain &strain, const std::string &what)
  {
    const Response r     = respond(strain);
    double         scale = 0;
    for (unsigned int i = 0; i < 3; ++i)
      for (unsigned int j = 0; j < 3; ++j)
        for (unsigned int k = 0; k < 3; ++k)
          for (unsigned int l = 0; l < 3; ++l)
            scale = std::max(scale, std::abs(r.tangent[i][j][k][l]));
    for (unsigned int k = 0; k < 3; ++k)
      for (unsigned int l = k; l < 3; ++l)
        {
          Strain delta;
          delta[k][l] = 1e-9;
          const Stress fd =
            (respond(strain + delta).stress - respond(strain - delta).stress) /
            2e-9;
          for (unsigned int i = 0; i < 3; ++i)
            for (unsigned int j = i; j < 3; ++j)
              {
                // d sigma_ij / d eps_kl for a symmetric perturbation counts
                // the (k,l) and (l,k) entries of the tangent.
                const double expected =
                  k == l ? r.tangent[i][j][k][l] :
                           r.tangent[i][j][k][l] + r.tangent[i][j][l][k];
                check_absolute(fd[i][j],
                               expected,
                               1e-5 * scale,
                               what + " tangent " + std::to_string(i) +
                                 std::to_string(j) + std::to_string(k) +
                                 std::to_string(l));
              }
        }
  }
} // namespace

ANODELESS_TEST(constitutive_elastic_eigenstrain)
{
  const Elasticity e = Elasticity::from_young_poisson(22e9, 0.37);
  // All displacements fixed, isotropic eigenstrain: sigma = -3 K eps* I.
  const double eps = 0.01;
  const Stress s   = e.stress(-eps * unit_symmetric_tensor<3>());
  for (unsigned int i = 0; i < 3; ++i)
    check_relative(s[i][i], -3 * e.bulk * eps, 1e-14, "confined eigenstrain");
  // Laterally confined, top under p: eps_zz = -p/M + eps*(1+nu)/(1-nu).
  const double p = 5e6, nu = 0.37, E = 22e9;
  const double M   = E * (1 - nu) / ((1 + nu) * (1 - 2 * nu));
  const double ezz = -p / M + eps * (1 + nu) / (1 - nu);
  Strain       total;
  total[2][2]        = ezz;
  const Stress mixed = e.stress(total - eps * unit_symmetric_tensor<3>());
  check_relative(mixed[2][2], -p, 1e-12, "normal stress = -p");
  check_relative(mixed[0][0],
                 -nu / (1 - nu) * p - E * eps / (1 - nu),
                 1e-12,
                 "lateral stress");
  check_relative(e.constrained_modulus(), M, 1e-14, "constrained modulus");
}

ANODELESS_TEST(constitutive_j2_plasticity)
{
  // Uniaxial stress path by strain control of the axial component, lateral
  // stresses relaxed by the local Newton of the test: bilinear response with
  // tangent E H / (E + H) after yield.
  const double       E = 193e9, nu = 0.29, yield = 215e6, H = 0.01 * E;
  const Elasticity   e = Elasticity::from_young_poisson(E, nu);
  const J2Plasticity law(e, yield, H);
  MaterialState      state;
  double             lateral = 0;
  for (unsigned int step = 1; step <= 40; ++step)
    {
      const double  axial = 1e-4 * step;
      MaterialState updated;
      Response      r;
      for (unsigned int it = 0; it < 50; ++it)
        {
          Strain strain;
          strain[0][0] = axial;
          strain[1][1] = strain[2][2] = lateral;
          r                           = law.respond(strain, state, updated);
          if (std::abs(r.stress[1][1]) < 1e-6)
            break;
          lateral -=
            r.stress[1][1] / (r.tangent[1][1][1][1] + r.tangent[1][1][2][2]);
        }
      state                 = updated;
      const double expected = axial * E <= yield ?
                                axial * E :
                                yield + (axial - yield / E) * E * H / (E + H);
      check_relative(r.stress[0][0],
                     expected,
                     1e-6,
                     "uniaxial stress at strain " + describe(axial));
    }
  // Consistent tangent of a plastic state.
  Strain strain;
  strain[0][0] = 3e-3;
  strain[0][1] = 1e-3;
  check_tangent(
    [&](const Strain &s) {
      MaterialState u;
      return law.respond(s, state, u);
    },
    strain,
    "J2");
}

ANODELESS_TEST(constitutive_heckel_compaction)
{
  const double           K_h = 2.5e-9, A = 0.87, D0 = 0.83;
  const Elasticity       e = Elasticity::from_young_poisson(22e9, 0.37);
  const HeckelCompaction law(e, K_h, A, D0);
  // Hydrostatic loading to 500 MPa by strain control, then unloading.
  MaterialState state;
  double        p = 0, strain_at_peak = 0;
  for (unsigned int step = 1; step <= 400; ++step)
    {
      const double  volumetric = -1e-4 * step;
      MaterialState updated;
      const auto    r = law.respond(volumetric / 3 * unit_symmetric_tensor<3>(),
                                 state,
                                 updated);
      p               = -trace(r.stress) / 3;
      if (p > 500e6)
        break;
      state          = updated;
      strain_at_peak = volumetric;
    }
  const double peak = state.max_pressure;
  check(peak > 361e6, "compaction reached");
  check_relative(law.relative_density(peak),
                 1 - std::exp(-(K_h * peak + A)),
                 1e-12,
                 "density = 1 - exp(-(K p + A))");
  check_relative(trace(state.plastic_strain),
                 std::log(D0 / law.relative_density(peak)),
                 1e-12,
                 "volumetric plastic strain = ln(D0/D)");
  // Unloading is elastic: pressure falls with the bulk modulus and is zero
  // at the plastic strain.
  MaterialState after;
  const double  back = strain_at_peak + 0.5 * peak / e.bulk;
  const auto    r =
    law.respond(back / 3 * unit_symmetric_tensor<3>(), state, after);
  check_relative(-trace(r.stress) / 3,
                 peak - e.bulk * 0.5 * peak / e.bulk,
                 1e-9,
                 "elastic unloading");
  check(after.max_pressure == peak, "no compaction while unloading");
  MaterialState relaxed;
  const auto    zero =
    law.respond(trace(state.plastic_strain) / 3 * unit_symmetric_tensor<3>(),
                state,
                relaxed);
  check_absolute(trace(zero.stress),
                 0,
                 1e-3,
                 "stress-free at the plastic strain");
  // No mean tension: the compact opens.
  const auto open =
    law.respond(0.01 * unit_symmetric_tensor<3>(), state, relaxed);
  check_absolute(trace(open.stress), 0, 1e-6, "no mean tension");
  check_relative(HeckelCompaction::opening(0.01 * unit_symmetric_tensor<3>(),
                                           state),
                 0.03 - trace(state.plastic_strain),
                 1e-12,
                 "opening");
  // Tangent on the compaction branch.
  check_tangent(
    [&](const Strain &s) {
      MaterialState u;
      return law.respond(s, state, u);
    },
    (strain_at_peak - 1e-3) / 3 * unit_symmetric_tensor<3>(),
    "Heckel");
}

ANODELESS_TEST(constitutive_power_law_creep)
{
  // Li at 45 C: A = 6.6e3 MPa^-6.6/s, Q = 37 kJ/mol.
  const double        n = 6.6;
  const double        A = 1.658e-36 * std::exp(-37e3 / (8.314462618 * 318.15));
  const PowerLawCreep creep{A, n};
  // Constant stress: eps = A sigma^n t (exact: the rate is constant).
  const double sigma = 0.8e6;
  check_relative(creep.rate(sigma) * 100.0,
                 A * std::pow(sigma, n) * 100.0,
                 1e-14,
                 "constant-stress creep strain");
  check_relative(creep.rate(-sigma),
                 -creep.rate(sigma),
                 1e-14,
                 "odd in the stress");
  // Relaxation at fixed strain: sigma(t) = [s0^(1-n) + (n-1) E A t]^(1/(1-n)).
  const double E = 7.8e9, s0 = 2e6, T = 20.0;
  const double exact =
    std::pow(std::pow(s0, 1 - n) + (n - 1) * E * A * T, 1 / (1 - n));
  std::vector<double> errors;
  for (const unsigned int steps : {2000u, 4000u, 8000u, 16000u})
    {
      double s = s0;
      for (unsigned int k = 0; k < steps; ++k)
        s = creep.relax(s, E, T / steps);
      errors.push_back(std::abs(s - exact) / exact);
    }
  for (unsigned int k = 1; k < errors.size(); ++k)
    log() << "relaxation error " << errors[k] << ", order "
          << rate(errors[k - 1], errors[k], 2.0) << "\n";
  check(errors.back() < 1e-4,
        "relaxation within 1e-4: " + describe(errors.back()));
  const double order = rate(errors[2], errors[3], 2.0);
  check(order > 0.9 && order < 1.1, "first order in time: " + describe(order));
}

ANODELESS_TEST(constitutive_film_band)
{
  // Without creep the band's normal strain is exactly g/t; with creep the
  // film thins under pressure; tangent against finite differences.
  const Elasticity e = Elasticity::from_young_poisson(3e9, 0.3);
  const FilmBand   rigid(e, 1e-6, 0.0, 6.6);
  Strain           strain;
  strain[2][2] = 1e-3;
  double     g = 0;
  const auto r = rigid.respond(strain, 2, 0.0, 2e-7, 1.0, g);
  check_relative(g, 2e-7, 1e-14, "film grows by the plated thickness");
  check_relative(r.stress[2][2],
                 e.constrained_modulus() * (1e-3 - 0.2),
                 1e-12,
                 "normal stress with the film strain");
  const FilmBand soft(e, 1e-6, 1e-30, 6.6);
  Strain         squeezed;
  squeezed[2][2] = -0.25;
  check_tangent(
    [&](const Strain &s) {
      double gap = 0;
      return soft.respond(s, 2, 1e-7, 1e-7, 10.0, gap);
    },
    squeezed,
    "film band");
  double gap = 0;
  soft.respond(squeezed, 2, 1e-7, 1e-7, 10.0, gap);
  check(gap < 2e-7 && gap > 0, "creep thins a loaded film: " + describe(gap));
}
