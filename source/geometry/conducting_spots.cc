#include <deal.II/grid/tria.h>

#include <anodeless/core/errors.h>
#include <anodeless/electrochemistry/electrochemistry_parameters.h>
#include <anodeless/geometry/conducting_spots.h>
#include <anodeless/geometry/layer_stack.h>

#include <array>
#include <cmath>
#include <random>
#include <sstream>

namespace anodeless
{
  namespace
  {
    std::vector<std::vector<double>>
    spot_centres(const unsigned int           dim,
                 const std::array<double, 2> &extent,
                 const HalideParameters      &halide)
    {
      const std::string path = "Electrochemistry/Halide layer/Spot positions";
      std::vector<std::vector<double>> centres;
      if (!halide.spot_positions.empty())
        {
          std::stringstream list(halide.spot_positions);
          std::string       item;
          while (std::getline(list, item, ';'))
            {
              if (item.find_first_not_of(" \t") == std::string::npos)
                continue;
              std::stringstream   coordinates(item);
              std::string         value;
              std::vector<double> centre;
              while (std::getline(coordinates, value, ','))
                {
                  std::size_t used = 0;
                  double      v    = 0;
                  try
                    {
                      v = std::stod(value, &used);
                    }
                  catch (const std::exception &)
                    {
                      used = 0;
                    }
                  if (used == 0 ||
                      value.find_first_not_of(" \t", used) !=
                        std::string::npos ||
                      !std::isfinite(v))
                    throw InputError(path,
                                     "'" + value +
                                       "' is not a number. Give spot centres "
                                       "in m as 'x1; x2' (2D) or 'x1,y1; "
                                       "x2,y2' (3D).");
                  centre.push_back(v);
                }
              if (dim == 1 ? (centre.empty() || centre.size() > 2) :
                             centre.size() != dim - 1)
                throw InputError(path,
                                 "the spot '" + item + "' has " +
                                   std::to_string(centre.size()) +
                                   " coordinate(s); a " + std::to_string(dim) +
                                   "D window needs " + std::to_string(dim - 1) +
                                   ".");
              for (unsigned int d = 0; d < centre.size(); ++d)
                if (!(centre[d] >= 0 && centre[d] <= extent[d]))
                  throw InputError(path,
                                   "the spot '" + item +
                                     "' lies outside the lateral window.");
              centres.push_back(centre);
            }
          return centres;
        }
      // Random spots: as many as the area fraction asks for, at least one.
      const double       window = dim == 2 ? extent[0] : extent[0] * extent[1];
      const double       spot   = dim == 2 ?
                                    halide.spot_size :
                                    M_PI / 4 * halide.spot_size * halide.spot_size;
      const unsigned int n =
        halide.spot_area_fraction > 0 ?
          std::max(1u,
                   static_cast<unsigned int>(
                     std::round(halide.spot_area_fraction * window / spot))) :
          0u;
      std::mt19937                           random(halide.spot_seed);
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      for (unsigned int i = 0; i < n; ++i)
        {
          std::vector<double> centre(dim - 1);
          for (unsigned int d = 0; d + 1 < dim; ++d)
            centre[d] = unit(random) * extent[d];
          centres.push_back(centre);
        }
      return centres;
    }
  } // namespace

  void
  check_spot_positions(const unsigned int      dim,
                       const StackParameters  &stack,
                       const HalideParameters &halide)
  {
    if (!halide.spot_positions.empty())
      spot_centres(dim, {{stack.lateral_width, stack.lateral_depth}}, halide);
  }

  SpotMap::SpotMap(const unsigned int      dim,
                   const StackParameters  &stack,
                   const HalideParameters &halide)
  {
    const std::array<double, 2> extent = {
      {stack.lateral_width, stack.lateral_depth}};
    if (dim == 1)
      {
        // Positions play no role in 1D, but a malformed list is an error in
        // every dimension.
        spot_centres(dim, extent, halide);
        fraction = halide.spot_area_fraction;
        conducting.assign(1, true);
        return;
      }
    nx              = stack.lateral_cells;
    nz              = dim == 3 ? stack.depth_cells : 1;
    const double dx = extent[0] / nx, dz = extent[1] / nz;
    const auto   centres = spot_centres(dim, extent, halide);
    const double radius  = 0.5 * halide.spot_size;
    conducting.assign(nx * nz, false);
    unsigned int count = 0;
    for (unsigned int k = 0; k < nz; ++k)
      for (unsigned int i = 0; i < nx; ++i)
        {
          const double x = (i + 0.5) * dx, z = (k + 0.5) * dz;
          for (const auto &c : centres)
            {
              const double d2 = (x - c[0]) * (x - c[0]) +
                                (dim == 3 ? (z - c[1]) * (z - c[1]) : 0.0);
              if (d2 <= radius * radius)
                {
                  conducting[i + nx * k] = true;
                  ++count;
                  break;
                }
            }
        }
    fraction = static_cast<double>(count) / (nx * nz);
    if (!centres.empty() && count == 0)
      throw InputError(
        "Electrochemistry/Halide layer/Spot size",
        "no lateral mesh cell has its centre inside a conducting spot (spot "
        "size " +
          std::to_string(halide.spot_size * 1e6) + " um, lateral cells " +
          std::to_string(dx * 1e6) +
          " um), so the halide layer would conduct no electrons. Use more "
          "'Stack/Lateral cells' (cells well below the spot size) or larger "
          "spots.");
  }

  template <int dim>
  double
  place_conducting_spots(dealii::Triangulation<dim, dim> &triangulation,
                         const LayerStack                &stack,
                         const StackParameters           &stack_parameters,
                         const HalideParameters          &halide)
  {
    if (!stack.has(LayerRole::halide_layer))
      return 0.0;
    const SpotMap map(dim, stack_parameters, halide);
    if (dim == 1)
      return map.fraction;
    const double dx = stack_parameters.lateral_width / map.nx;
    const double dz = stack_parameters.lateral_depth / map.nz;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (role_of_material_id(cell->material_id()) == LayerRole::halide_layer)
        {
          const auto         centre = cell->center();
          const unsigned int i =
            std::min<unsigned int>(map.nx - 1, centre[0] / dx);
          const unsigned int k =
            dim == 3 ? std::min<unsigned int>(map.nz - 1, centre[1] / dz) : 0;
          cell->set_material_id(
            map.conducting[i + map.nx * k] ?
              halide_spot_material_id :
              static_cast<unsigned int>(LayerRole::halide_layer));
        }
    return map.fraction;
  }

  template double
  place_conducting_spots<1>(dealii::Triangulation<1, 1> &,
                            const LayerStack &,
                            const StackParameters &,
                            const HalideParameters &);
  template double
  place_conducting_spots<2>(dealii::Triangulation<2, 2> &,
                            const LayerStack &,
                            const StackParameters &,
                            const HalideParameters &);
  template double
  place_conducting_spots<3>(dealii::Triangulation<3, 3> &,
                            const LayerStack &,
                            const StackParameters &,
                            const HalideParameters &);
} // namespace anodeless
