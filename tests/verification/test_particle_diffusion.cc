// Spherical diffusion with constant influx (Crank): the mean is exact, the
// surface concentration converges to the series solution in shells (order 2)
// and in time (order 1).
#include <anodeless/electrochemistry/spherical_particle.h>

#include <testing.h>

#include <cmath>

using namespace anodeless;
using namespace anodeless::testing;

namespace
{
  const double R  = 5e-6;  // m
  const double D  = 1e-14; // m^2/s
  const double c0 = 1e4;   // mol/m^3
  const double j  = 1e-5;  // mol/(m^2 s), inward

  // Crank (1975) eq. 6.59 at r = R for influx j: the roots of tan a = a.
  double
  exact_surface(const double t)
  {
    double sum = 0;
    double a   = 4.4934094579;
    for (unsigned int n = 1; n <= 400; ++n)
      {
        if (n > 1)
          {
            // Newton for tan a = a starting near (n + 1/2) pi
            a = (n + 0.5) * M_PI - 1e-3;
            for (unsigned int k = 0; k < 50; ++k)
              a -= (std::tan(a) - a) / (1 / (std::cos(a) * std::cos(a)) - 1);
          }
        sum += std::exp(-a * a * D * t / (R * R)) / (a * a);
      }
    return c0 + j * R / D * (3 * D * t / (R * R) + 0.5 - 0.3 - 2 * sum);
  }

  // Surface concentration after time T with n shells and steps of dt.
  double
  simulate(const unsigned int n,
           const double       dt,
           const double       T,
           double            *mean_error = nullptr)
  {
    const SphericalParticle   particle(R, n);
    std::vector<double>       c(n, c0), next(n);
    const std::vector<double> d(n, D);
    double                    t = 0;
    while (t < T * (1 - 1e-12))
      {
        particle.advance(c.data(), d, dt, -j, next.data());
        c = next;
        t += dt;
        if (mean_error)
          *mean_error =
            std::max(*mean_error,
                     std::abs(particle.mean(c.data()) - (c0 + 3 * j * t / R)) /
                       (3 * j * t / R));
      }
    return particle.surface(c.data(), D, -j);
  }
} // namespace

ANODELESS_TEST(particle_crank_constant_flux)
{
  const double T = 0.4 * R * R / D; // long enough for the profile to develop
  // Mean concentration: exact (finite volumes conserve to round-off).
  double mean_error = 0;
  simulate(10, T / 50, T, &mean_error);
  check(mean_error < 1e-10,
        "mean concentration exact, error " + describe(mean_error));

  // Long-time surface excess jR/(5D).
  const double late = 3 * R * R / D;
  check_relative(exact_surface(late) - (c0 + 3 * j * late / R),
                 j * R / (5 * D),
                 1e-6,
                 "series: long-time surface excess");

  // Convergence in the number of shells (time step small).
  std::vector<double> shell_errors;
  for (const unsigned int n : {5u, 10u, 20u, 40u})
    shell_errors.push_back(
      std::abs(simulate(n, T / 4000, T) - exact_surface(T)) /
      (exact_surface(T) - c0));
  for (unsigned int k = 1; k < shell_errors.size(); ++k)
    log() << "shells error " << shell_errors[k - 1] << " -> " << shell_errors[k]
          << " rate " << rate(shell_errors[k - 1], shell_errors[k], 2.0)
          << "\n";
  const double shell_rate = rate(shell_errors[1], shell_errors[2], 2.0);
  check(shell_rate > 1.8, "order in shells " + describe(shell_rate));

  // Convergence in the time step, against a reference with the same shells
  // and a tiny step (so that the spatial error does not pollute the order).
  const double        reference = simulate(20, T / 40000, T);
  std::vector<double> time_errors;
  for (const unsigned int steps : {40u, 80u, 160u, 320u})
    time_errors.push_back(std::abs(simulate(20, T / steps, T) - reference) /
                          (reference - c0));
  for (unsigned int k = 1; k < time_errors.size(); ++k)
    log() << "time error " << time_errors[k - 1] << " -> " << time_errors[k]
          << " rate " << rate(time_errors[k - 1], time_errors[k], 2.0) << "\n";
  const double time_rate = rate(time_errors[2], time_errors[3], 2.0);
  check(time_rate > 0.9 && time_rate < 1.1,
        "order in time " + describe(time_rate));
}
