// The graded through-thickness cell sizes of the layer stack.
#include <anodeless/geometry/layer_stack.h>

#include <testing.h>

#include <algorithm>

using namespace anodeless;
using namespace anodeless::testing;

ANODELESS_TEST(layer_stack_grading)
{
  StackParameters  parameters; // the patent Example
  const LayerStack stack(parameters);
  check(stack.layers().size() == 6, "lithiophilic layer absent (thickness 0)");
  check(!stack.has(LayerRole::lithiophilic_layer), "has() of absent layer");

  for (const auto &layer : stack.layers())
    {
      log() << role_name(layer.role) << " [nm]:";
      for (const double h : layer.cell_heights)
        log() << ' ' << static_cast<int>(h * 1e9);
      log() << '\n';
    }

  double previous_height = 0;
  for (const auto &layer : stack.layers())
    {
      double sum = 0;
      for (const double h : layer.cell_heights)
        {
          sum += h;
          check(h <= parameters.maximum_cell_height * (1 + 1e-12),
                std::string("cell height cap in ") + role_name(layer.role));
          if (previous_height > 0)
            {
              const double ratio =
                std::max(h / previous_height, previous_height / h);
              // The integral placement may exceed the growth factor slightly
              // where the wanted size has a kink.
              check(ratio <= parameters.growth_factor * 1.15,
                    std::string("grading ratio ") + describe(ratio) + " in " +
                      role_name(layer.role));
            }
          previous_height = h;
        }
      check_relative(sum,
                     layer.thickness,
                     1e-14,
                     std::string("cell heights sum in ") +
                       role_name(layer.role));
      check(layer.cell_heights.size() >=
              parameters.layers[static_cast<unsigned int>(layer.role)]
                .minimum_cells,
            "minimum cells");
    }
  const auto interfaces = stack.interfaces();
  check(interfaces.size() == 5, "five interfaces");
  check(interfaces[0].name() == "Anode current collector|Halide layer",
        "first interface");
  check(interfaces[1].lower == LayerRole::halide_layer &&
          interfaces[1].upper == LayerRole::carbon_layer,
        "halide|carbon interface (lithiophilic layer absent)");
  check_relative(stack.total_thickness(),
                 10e-6 + 250e-9 + 10e-6 + 50e-6 + 66e-6 + 18e-6,
                 1e-14,
                 "total thickness");
  const auto nodes = stack.y_nodes();
  check(std::is_sorted(nodes.begin(), nodes.end()), "nodes sorted");
  check(nodes.front() == 0 && nodes.back() == stack.total_thickness(),
        "nodes span the stack");
}
