// The parameter set: defaults print and parse back to the same values, and
// bad values are refused with a message naming the parameter.
#include <anodeless/core/errors.h>
#include <anodeless/core/run_parameters.h>

#include <testing.h>

using namespace anodeless;
using namespace anodeless::testing;

ANODELESS_TEST(parameter_round_trip)
{
  // Defaults -> prm text -> parse -> prm text: identical.
  const std::string printed = default_parameters("prm");
  const auto        parsed  = parse_run_parameters(printed, "defaults.prm");
  check(parsed->expanded_prm == printed, "prm round trip of the defaults");
  check(parsed->expanded_json == default_parameters("json"),
        "json of parsed defaults equals json of defaults");

  // A changed value survives a second round trip exactly.
  const auto changed = parse_run_parameters(
    "subsection Stack\n subsection Carbon layer\n  set Thickness = "
    "1.2345678901234e-05\n end\nend\nset Dimension = 2\n",
    "changed.prm");
  check(changed->stack.layers[3].thickness == 1.2345678901234e-05,
        "parsed thickness");
  check(changed->dimension == 2, "parsed dimension");
  const auto again =
    parse_run_parameters(changed->expanded_prm, "changed_again.prm");
  check(again->expanded_prm == changed->expanded_prm,
        "round trip of a changed parameter set");
  check(again->stack.layers[3].thickness == 1.2345678901234e-05,
        "value after round trip");

  // Every parameter has documentation.
  const std::string markdown = default_parameters("markdown");
  check(markdown.find("| Thickness |") != std::string::npos,
        "markdown lists parameters");
  check(markdown.find("|  |\n") == std::string::npos,
        "no parameter without documentation");
}

ANODELESS_TEST(parameter_errors)
{
  struct Case
  {
    std::string text;
    std::string path;
    std::string must_contain;
  };
  const std::vector<Case> cases = {
    {"subsection Stack\n subsection Halide layer\n  set Thickness = -1\n "
     "end\nend\n",
     "Stack/Halide layer/Thickness",
     "a number from 0 to"},
    {"subsection Stack\n subsection Halide layer\n  set Thikness = 1e-7\n "
     "end\nend\n",
     "Stack/Halide layer/Thikness",
     "Did you mean 'Thickness'"},
    {"subsection Stack\n subsection Halid layer\n end\nend\n",
     "Stack/Halid layer",
     "Did you mean 'Halide layer'"},
    {"subsection Stack\n subsection Halide layer\n  set Material = LiI\n "
     "end\nend\n",
     "Stack/Halide layer/Material",
     "'LiF', 'LiCl'"},
    {"subsection Stack\n subsection Cathode\n  set Thickness = 0\n end\nend\n",
     "Stack/Cathode/Thickness",
     "needs this layer"},
    {"subsection Stack\n subsection Separator\n  set Thickness = 0\n "
     "end\nend\n",
     "Stack/Separator/Thickness",
     "needs this layer"},
    {"subsection Stack\n subsection Carbon layer\n  set Thickness = abc\n "
     "end\nend\n",
     "Stack/Carbon layer/Thickness",
     "'abc'"},
    {"subsection Stack\n subsection Carbon layer\n  set Thickness = nan\n "
     "end\nend\n",
     "Stack/Carbon layer/Thickness",
     "'nan'"},
    {"subsection Stack\n subsection Carbon layer\n  set Thickness = 1e-11\n "
     "end\nend\n",
     "Stack/Carbon layer/Thickness",
     "one nanometre"},
    {"set Dimension = 4\n", "Dimension", "from 1 to 3"},
    {"subsection Stack\n set Lateral cells = 1\n set Lateral width = 1e-3\n"
     "end\nset Dimension = 2\n",
     "Stack/Lateral cells",
     "Maximum aspect ratio"},
    {"subsection Materials\n subsection SUS304\n  set Poisson's ratio = 0.5\n"
     " end\nend\n",
     "Materials/SUS304/Poisson's ratio",
     "from -0.99 to 0.4999"},
  };
  for (const auto &c : cases)
    {
      bool thrown = false;
      try
        {
          parse_run_parameters(c.text, "case.prm");
        }
      catch (const InputError &e)
        {
          thrown                  = true;
          const std::string text  = format_input_error(e, "case.prm");
          const std::string where = "case for " + c.path + ": " + text;
          check(e.parameter_path() == c.path,
                where + " (path '" + e.parameter_path() + "')");
          check(text.find(c.must_contain) != std::string::npos,
                where + " (missing '" + c.must_contain + "')");
          check(text.find("case.prm") != std::string::npos, where);
          log() << text << "\n";
        }
      check(thrown, "no error for the case of " + c.path);
    }
}
