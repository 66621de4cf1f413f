// Reaction distribution in a porous electrode with linear kinetics
// (Newman-Tobias): with y the distance from the current collector over the
// thickness L, nu^2 = L^2 a i0 (alpha_a + alpha_c) F/RT (1/kappa + 1/sigma),
//   a j(y) L / I = nu [sigma cosh(nu y) + kappa cosh(nu (1-y))]
//                  / ((kappa + sigma) sinh nu).
// A flat open-circuit potential and a small current make the cathode's
// Butler-Volmer law linear; the L2 error converges at order 2.
#include <deal.II/base/mpi.h>

#include <anodeless/core/constants.h>
#include <anodeless/geometry/layer_stack.h>

#include <cell_fixture.h>
#include <testing.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace anodeless;
using namespace anodeless::testing;

namespace
{
  double
  l2_error(const unsigned int cells, const std::string &ocp_file)
  {
    const double      sigma_material = 6e-3 / std::pow(0.6, 1.5);
    const double      kappa_material = 2e-3 / std::pow(0.28, 1.5);
    const std::string prm =
      "set Dimension = 1\n"
      "subsection Protocol\n set Temperature = 298.15\nend\n"
      "subsection Stack\n set Maximum cell height = 1e-3\n"
      " subsection Cathode\n  set Minimum cells = " +
      std::to_string(cells) +
      "\n end\nend\n"
      "subsection Materials\n subsection NCM811 composite\n"
      "  set Electronic conductivity = " +
      describe(sigma_material) +
      "\n  set Ionic conductivity = " + describe(kappa_material) +
      "\n end\nend\n"
      "subsection Electrochemistry\n subsection Cathode\n"
      "  set Open-circuit potential file = " +
      ocp_file +
      "\n  set Diffusivity model = constant\n  set Diffusivity = 1e-9\n"
      " end\n subsection Solver\n  set Residual tolerance = 1e-12\n"
      "  set Update tolerance = 1e-10\n end\nend\n";
    CellFixture<1> cell(prm);
    const double   I = 1e-4 * cell.cell->one_c_current_density(); // discharge
    const auto     r =
      cell.cell->solve_step(1e-3, CellElectrochemistry<1>::Control::current, I);
    check(r.converged, "Newton converged: " + r.failure);

    const auto  &c  = cell.parameters->electrochemistry.cathode;
    const double f  = constants::faraday / (constants::gas_constant * 298.15);
    const double x0 = c.initial_li_fraction;
    const double a =
      3 * c.active_volume_fraction * c.contact_fraction / c.particle_radius;
    const double i0 = 2 * c.exchange_current_density * std::sqrt(x0 * (1 - x0));
    const double sigma = 6e-3, kappa = 2e-3;
    const auto  &layer = cell.stack.layer(LayerRole::cathode);
    const double L     = layer.thickness;
    const double nu = std::sqrt(L * L * a * i0 * f * (1 / kappa + 1 / sigma));
    double       error = 0, norm = 0;
    for (const auto &s : cell.cell->reaction_samples(LayerRole::cathode))
      {
        const double y = (layer.y_top - s.y) / L;
        const double exact =
          nu * (sigma * std::cosh(nu * y) + kappa * std::cosh(nu * (1 - y))) /
          ((kappa + sigma) * std::sinh(nu));
        const double computed = -s.rate * L / I;
        error += s.weight * (computed - exact) * (computed - exact);
        norm += s.weight * exact * exact;
      }
    log() << cells << " cells, nu = " << nu << ": relative L2 error "
          << std::sqrt(error / norm) << "\n";
    return std::sqrt(error / norm);
  }
} // namespace

ANODELESS_TEST(newman_tobias_reaction_distribution)
{
  // A flat open-circuit potential, written where it does not litter the
  // working directory.
  const std::string ocp = (std::filesystem::temp_directory_path() /
                           "anodeless_newman_tobias_flat_ocp.csv")
                            .string();
  if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
    std::ofstream(ocp) << "x,U\n0,3.9\n1,3.9\n";
  MPI_Barrier(MPI_COMM_WORLD);
  std::vector<double> errors;
  for (const unsigned int cells : {8u, 16u, 32u, 64u})
    errors.push_back(l2_error(cells, ocp));
  for (unsigned int k = 1; k < errors.size(); ++k)
    {
      const double r = rate(errors[k - 1], errors[k], 2.0);
      log() << "rate " << r << "\n";
      check(r >= 1.9, "L2 convergence rate " + describe(r));
    }
}
