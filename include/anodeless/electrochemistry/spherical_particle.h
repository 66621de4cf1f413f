#pragma once

#include <vector>

namespace anodeless
{
  /**
   * @brief Radial Li diffusion in a spherical particle, finite volumes on
   * equal-thickness shells, implicit Euler in time.
   *
   * dc/dt = r^-2 d/dr (D r^2 dc/dr), dc/dr = 0 at r = 0 and
   * -D dc/dr = N at r = R, with N the outward molar flux [mol/(m^2 s)]
   * (N = j/F for an anodic reaction current density j). Shell volumes and
   * face areas are exact, so the mean concentration changes by exactly
   * -3 N dt / R per step: Li is conserved to round-off.
   *
   * The new state is affine in N; surface_response() returns that relation
   * for the surface concentration so that the reaction current can be solved
   * together with the potentials (the particle is condensed into the local
   * reaction law, not lagged). The diffusivity at each shell face is given
   * by the caller, evaluated on the old state.
   */
  class SphericalParticle
  {
  public:
    SphericalParticle(double radius, unsigned int n_shells);

    unsigned int
    n_shells() const
    {
      return volumes.size();
    }

    double
    radius() const
    {
      return particle_radius;
    }

    /// c_surface = offset + slope N after one step.
    struct SurfaceResponse
    {
      double offset;
      double slope;
    };

    /**
     * @param c_old shell concentrations at the start of the step
     * @param d_faces diffusivity at the n_shells-1 inner faces and, last, in
     *        the outermost shell (for the surface extrapolation)
     */
    SurfaceResponse
    surface_response(const double              *c_old,
                     const std::vector<double> &d_faces,
                     double                     dt) const;

    /// The shell concentrations after one step with outward flux @p flux.
    void
    advance(const double              *c_old,
            const std::vector<double> &d_faces,
            double                     dt,
            double                     flux,
            double                    *c_new) const;

    /// Surface concentration of the shells @p c with outward flux @p flux:
    /// the outer shell centre extrapolated half a shell with the boundary
    /// gradient -flux / D.
    double
    surface(const double *c, double d_surface, double flux) const;

    /// Volume-averaged concentration.
    double
    mean(const double *c) const;

  private:
    double              particle_radius;
    double              dr;
    std::vector<double> volumes;         ///< shell volumes
    std::vector<double> face_areas;      ///< areas of the n outer shell faces
    mutable std::vector<double> work;    ///< Thomas algorithm scratch
    mutable std::vector<double> scratch; ///< two solutions

    /// Solve the implicit-Euler system with right-hand side from c_old and
    /// the outward flux; writes the new concentrations into @p c.
    void
    solve(const double              *c_old,
          const std::vector<double> &d_faces,
          double                     dt,
          double                     flux,
          bool                       include_old,
          double                    *c) const;
  };
} // namespace anodeless
