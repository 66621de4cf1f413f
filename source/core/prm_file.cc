#include <anodeless/core/errors.h>
#include <anodeless/core/prm_file.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace anodeless
{
  namespace
  {
    std::string
    trim(const std::string &s)
    {
      const auto first = s.find_first_not_of(" \t\r");
      if (first == std::string::npos)
        return "";
      const auto last = s.find_last_not_of(" \t\r");
      return s.substr(first, last - first + 1);
    }

    // ParameterHandler treats an unescaped '#' as the start of a comment.
    std::string
    strip_comment(const std::string &s)
    {
      for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '#' && (i == 0 || s[i - 1] != '\\'))
          return s.substr(0, i);
      return s;
    }

    std::string
    join(const std::vector<std::string> &parts, const std::string &name)
    {
      std::string path;
      for (const auto &p : parts)
        path += p + "/";
      return path + name;
    }

    bool
    starts_with_word(const std::string &line, const std::string &word)
    {
      return line.size() >= word.size() &&
             line.compare(0, word.size(), word) == 0 &&
             (line.size() == word.size() || line[word.size()] == ' ' ||
              line[word.size()] == '\t');
    }
  } // namespace

  std::string
  parent_path(const std::string &path)
  {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
  }

  std::string
  leaf_name(const std::string &path)
  {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }

  unsigned int
  edit_distance(const std::string &a, const std::string &b)
  {
    std::vector<unsigned int> previous(b.size() + 1), current(b.size() + 1);
    for (unsigned int j = 0; j <= b.size(); ++j)
      previous[j] = j;
    for (unsigned int i = 1; i <= a.size(); ++i)
      {
        current[0] = i;
        for (unsigned int j = 1; j <= b.size(); ++j)
          {
            const bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
            current[j]      = std::min({previous[j] + 1,
                                        current[j - 1] + 1,
                                        previous[j - 1] + (same ? 0 : 1)});
          }
        std::swap(previous, current);
      }
    return previous[b.size()];
  }

  PrmFile
  PrmFile::read(const std::string &filename)
  {
    std::ifstream in(filename, std::ios::binary);
    if (!in)
      throw InputError("",
                       "cannot open the parameter file '" + filename +
                         "': it does not exist or is not readable. Give the "
                         "path of a .prm file, for example "
                         "parameter_files/patent_example.prm.");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return from_string(buffer.str(), filename);
  }

  PrmFile
  PrmFile::from_string(const std::string &text, const std::string &name)
  {
    PrmFile file;
    file.name     = name;
    file.contents = text;

    if (text.empty())
      throw InputError("",
                       "the parameter file is empty. Start from a shipped "
                       "input such as parameter_files/patent_example.prm.");

    if (text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xff &&
                              static_cast<unsigned char>(text[1]) == 0xfe) ||
                             (static_cast<unsigned char>(text[0]) == 0xfe &&
                              static_cast<unsigned char>(text[1]) == 0xff)))
      throw InputError("",
                       "the file is UTF-16 encoded; save it as UTF-8 (or "
                       "plain ASCII) text.",
                       1);

    // Text only: printable ASCII or UTF-8, tabs and line breaks.
    {
      unsigned int line = 1;
      for (std::size_t i = 0; i < text.size();)
        {
          const unsigned char c = text[i];
          if (c == '\n')
            ++line;
          unsigned int length = c < 0x80         ? 1 :
                                (c >> 5) == 0x6  ? 2 :
                                (c >> 4) == 0xe  ? 3 :
                                (c >> 3) == 0x1e ? 4 :
                                                   0;
          bool         valid  = length > 0 && i + length <= text.size();
          for (unsigned int k = 1; valid && k < length; ++k)
            valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
          if (!valid)
            throw InputError("",
                             "this line contains bytes that are not UTF-8 "
                             "text (byte value " +
                               std::to_string(int(c)) +
                               "); a parameter file must be plain text.",
                             line);
          i += length;
        }
    }
    {
      unsigned int line = 1;
      for (const unsigned char c : text)
        {
          if (c == '\n')
            ++line;
          else if ((c < 32 && c != '\t' && c != '\r') || c == 127)
            throw InputError(
              "",
              "this line contains a binary control character (code " +
                std::to_string(int(c)) +
                "); a parameter file must be plain text.",
              line);
        }
    }

    std::vector<std::string>            stack;
    std::vector<unsigned int>           stack_lines;
    std::map<std::string, unsigned int> first_set;
    std::istringstream                  in(text);
    std::string                         raw;
    unsigned int                        line_number = 0;
    while (std::getline(in, raw))
      {
        ++line_number;
        const unsigned int first_line = line_number;
        // Join continuation lines ending in a backslash.
        std::string line = strip_comment(raw);
        while (!trim(line).empty() && trim(line).back() == '\\')
          {
            std::string next;
            if (!std::getline(in, next))
              break;
            ++line_number;
            auto t = trim(line);
            line   = t.substr(0, t.size() - 1) + " " + strip_comment(next);
          }
        line = trim(line);
        if (line.empty())
          continue;

        if (starts_with_word(line, "subsection"))
          {
            const std::string section = trim(line.substr(10));
            if (section.empty())
              throw InputError("", "'subsection' needs a name.", first_line);
            file.subsection_entries.push_back(
              {join(stack, section), first_line});
            stack.push_back(section);
            stack_lines.push_back(first_line);
          }
        else if (line == "end")
          {
            if (stack.empty())
              throw InputError("",
                               "'end' without a matching 'subsection'.",
                               first_line);
            stack.pop_back();
            stack_lines.pop_back();
          }
        else if (starts_with_word(line, "set"))
          {
            const std::string rest = line.substr(3);
            const auto        eq   = rest.find('=');
            if (eq == std::string::npos)
              throw InputError("",
                               "a 'set' line must read 'set Name = value'.",
                               first_line);
            const std::string key   = trim(rest.substr(0, eq));
            const std::string value = trim(rest.substr(eq + 1));
            if (key.empty())
              throw InputError("",
                               "'set' without a parameter name.",
                               first_line);
            const std::string path = join(stack, key);
            const auto        seen = first_set.find(path);
            if (seen != first_set.end())
              throw InputError(path,
                               "this parameter is set twice, on lines " +
                                 std::to_string(seen->second) + " and " +
                                 std::to_string(first_line) +
                                 ". Keep one of the two.",
                               first_line);
            first_set[path] = first_line;
            file.set_entries.push_back({path, value, first_line});
          }
        else
          throw InputError("",
                           "this line is not understood: '" + line +
                             "'. Each line must be 'set Name = value', "
                             "'subsection Name', 'end', or a comment "
                             "starting with '#'.",
                           first_line);
      }
    if (!stack.empty())
      throw InputError(
        file.subsection_entries.empty() ?
          stack.back() :
          [&] {
            std::string path;
            for (const auto &part : stack)
              path += (path.empty() ? "" : "/") + part;
            return path;
          }(),
        "the subsection opened on line " + std::to_string(stack_lines.back()) +
          " is never closed: add an 'end' line (the file may "
          "be truncated).",
        stack_lines.back());
    return file;
  }

  unsigned int
  PrmFile::line_of(const std::string &path) const
  {
    for (const auto &e : set_entries)
      if (e.path == path)
        return e.line;
    return 0;
  }
} // namespace anodeless
