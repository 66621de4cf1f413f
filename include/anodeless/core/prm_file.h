#pragma once

#include <string>
#include <vector>

namespace anodeless
{
  /**
   * @brief The text of a parameter file and where each entry was set.
   *
   * ParameterHandler parses the values; this scan comes first so that every
   * error can name the line and the full parameter path, and so that problems
   * ParameterHandler tolerates (a key set twice, binary junk) are refused.
   */
  class PrmFile
  {
  public:
    /// One `set` line.
    struct Entry
    {
      std::string  path;  ///< "Stack/Halide layer/Thickness"
      std::string  value; ///< text after '=', comments removed, trimmed
      unsigned int line;  ///< 1-based line number
    };

    /// One `subsection` line.
    struct Subsection
    {
      std::string  path; ///< "Stack/Halide layer"
      unsigned int line;
    };

    /**
     * Read and scan @p filename. Throws InputError if the file cannot be
     * read, is not text, has unbalanced subsections, malformed lines, or sets
     * a parameter twice.
     */
    static PrmFile
    read(const std::string &filename);

    /// Scan text that did not come from a file (tests, campaign tools).
    static PrmFile
    from_string(const std::string &text, const std::string &name);

    const std::string &
    filename() const
    {
      return name;
    }

    const std::string &
    text() const
    {
      return contents;
    }

    const std::vector<Entry> &
    entries() const
    {
      return set_entries;
    }

    const std::vector<Subsection> &
    subsections() const
    {
      return subsection_entries;
    }

    /// Line on which @p path was set, 0 if it keeps its default value.
    unsigned int
    line_of(const std::string &path) const;

  private:
    std::string             name;
    std::string             contents;
    std::vector<Entry>      set_entries;
    std::vector<Subsection> subsection_entries;
  };

  /// "a/b/c" -> "a/b"; "" for a top-level name.
  std::string
  parent_path(const std::string &path);

  /// "a/b/c" -> "c".
  std::string
  leaf_name(const std::string &path);

  /// Edit distance between two strings, used for "did you mean" hints.
  unsigned int
  edit_distance(const std::string &a, const std::string &b);
} // namespace anodeless
