// The parameter-file scan: paths, lines, and the problems it must refuse.
#include <anodeless/core/errors.h>
#include <anodeless/core/prm_file.h>

#include <testing.h>

using namespace anodeless;
using namespace anodeless::testing;

ANODELESS_TEST(prm_file_scan)
{
  const PrmFile file =
    PrmFile::from_string("# comment\n"
                         "set Dimension = 2   # trailing comment\n"
                         "subsection Stack\n"
                         "  subsection Halide layer\n"
                         "    set Thickness = 250e-9\n"
                         "  end\n"
                         "  set Lateral width = \\\n"
                         "      20e-6\n"
                         "end\n",
                         "test.prm");
  check(file.entries().size() == 3, "three set lines");
  check(file.entries()[0].path == "Dimension", "top-level path");
  check(file.entries()[0].value == "2", "comment stripped from value");
  check(file.entries()[1].path == "Stack/Halide layer/Thickness",
        "nested path");
  check(file.entries()[1].line == 5, "line of nested entry");
  check(file.entries()[2].value == "20e-6", "continuation line joined");
  check(file.line_of("Stack/Lateral width") == 7, "line of continued entry");
  check(file.line_of("Stack/Cathode/Thickness") == 0, "unset entry has line 0");
  check(file.subsections().size() == 2, "two subsections");
  check(parent_path("a/b/c") == "a/b" && leaf_name("a/b/c") == "c",
        "path helpers");
  check(edit_distance("Thikness", "Thickness") == 1, "edit distance");
}

ANODELESS_TEST(prm_file_errors)
{
  const auto error_of = [](const std::string &text) -> InputError {
    try
      {
        PrmFile::from_string(text, "bad.prm");
      }
    catch (const InputError &e)
      {
        return e;
      }
    throw TestFailure("no error for:\n" + text);
  };

  {
    const auto e = error_of("set A = 1\nset A = 2\n");
    check(e.line() == 2 && e.parameter_path() == "A" &&
            std::string(e.what()).find("twice") != std::string::npos,
          "duplicate key");
  }
  {
    const auto e = error_of("subsection Stack\nset A = 1\n");
    check(e.line() == 1 &&
            std::string(e.what()).find("never closed") != std::string::npos,
          "unclosed subsection");
  }
  {
    const auto e = error_of("end\n");
    check(e.line() == 1, "end without subsection");
  }
  {
    const auto e = error_of("set A = 1\nset B 2\n");
    check(e.line() == 2, "set without '='");
  }
  {
    const auto e = error_of(std::string("set A = 1\nset B = \x01\x02\n"));
    check(e.line() == 2 &&
            std::string(e.what()).find("binary") != std::string::npos,
          "binary junk");
  }
  {
    const auto e = error_of("set A = 1\nfoo bar\n");
    check(e.line() == 2, "line that is not a statement");
  }
  error_of("");
  expect_throw<InputError>([] { PrmFile::read("/nonexistent/file.prm"); },
                           "missing file");
}
