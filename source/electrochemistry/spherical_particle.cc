#include <anodeless/electrochemistry/spherical_particle.h>

#include <cmath>
#include <stdexcept>

namespace anodeless
{
  SphericalParticle::SphericalParticle(const double       radius,
                                       const unsigned int n_shells)
    : particle_radius(radius)
    , dr(radius / n_shells)
    , volumes(n_shells)
    , face_areas(n_shells)
    , work(2 * n_shells)
    , scratch(2 * n_shells)
  {
    if (n_shells < 1 || !(radius > 0))
      throw std::invalid_argument("a particle needs a radius and shells");
    const double pi = 3.14159265358979323846;
    for (unsigned int k = 0; k < n_shells; ++k)
      {
        const double r_in = k * dr, r_out = (k + 1) * dr;
        volumes[k] =
          4.0 / 3.0 * pi * (r_out * r_out * r_out - r_in * r_in * r_in);
        face_areas[k] = 4 * pi * r_out * r_out;
      }
  }

  void
  SphericalParticle::solve(const double              *c_old,
                           const std::vector<double> &d_faces,
                           const double               dt,
                           const double               flux,
                           const bool                 include_old,
                           double                    *c) const
  {
    // Rows: V_k/dt c_k + sum over faces G_f (c_k - c_neighbour) = rhs_k,
    // G_f = D_f A_f / dr; the outer face carries -A N.
    const unsigned int n              = volumes.size();
    double            *upper          = work.data();
    double            *rhs            = work.data() + n;
    double             previous_upper = 0, previous_rhs = 0;
    for (unsigned int k = 0; k < n; ++k)
      {
        const double g_in = k > 0 ? d_faces[k - 1] * face_areas[k - 1] / dr : 0;
        const double g_out = k + 1 < n ? d_faces[k] * face_areas[k] / dr : 0;
        double       diag  = volumes[k] / dt + g_in + g_out;
        double       b     = (include_old ? volumes[k] / dt * c_old[k] : 0) -
                   (k + 1 == n ? face_areas[k] * flux : 0);
        // Eliminate the lower neighbour (coefficient -g_in).
        if (k > 0)
          {
            diag -= g_in * previous_upper;
            b += g_in * previous_rhs;
          }
        upper[k]       = -g_out / diag;
        rhs[k]         = b / diag;
        previous_upper = -upper[k]; // coefficient form used above
        previous_rhs   = rhs[k];
      }
    c[n - 1] = rhs[n - 1];
    for (unsigned int k = n - 1; k-- > 0;)
      c[k] = rhs[k] - upper[k] * c[k + 1];
  }

  SphericalParticle::SurfaceResponse
  SphericalParticle::surface_response(const double              *c_old,
                                      const std::vector<double> &d_faces,
                                      const double               dt) const
  {
    const unsigned int n           = volumes.size();
    double            *homogeneous = scratch.data();
    double            *unit        = scratch.data() + n;
    solve(c_old, d_faces, dt, 0.0, true, homogeneous);
    solve(c_old, d_faces, dt, 1.0, false, unit);
    // The new state is homogeneous + flux * unit, and surface() is affine.
    return {surface(homogeneous, d_faces[n - 1], 0.0),
            surface(unit, d_faces[n - 1], 1.0)};
  }

  void
  SphericalParticle::advance(const double              *c_old,
                             const std::vector<double> &d_faces,
                             const double               dt,
                             const double               flux,
                             double                    *c_new) const
  {
    solve(c_old, d_faces, dt, flux, true, c_new);
  }

  double
  SphericalParticle::surface(const double *c,
                             const double  d_surface,
                             const double  flux) const
  {
    return c[volumes.size() - 1] - 0.5 * dr * flux / d_surface;
  }

  double
  SphericalParticle::mean(const double *c) const
  {
    double total = 0, volume = 0;
    for (unsigned int k = 0; k < volumes.size(); ++k)
      {
        total += volumes[k] * c[k];
        volume += volumes[k];
      }
    return total / volume;
  }
} // namespace anodeless
