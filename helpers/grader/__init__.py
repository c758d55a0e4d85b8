"""The grader behind `python -m helpers.grade` (helpers/grade.py, the command).

Grading a notebook takes the same two steps as a check cell does in the notebook, split
across processes so that student code never runs where the references are:

1. Running (the worker's sandboxed child, which holds no reference implementation):
   run_notebook.py runs the notebook's cells; each check() runs the answer on every test
   case with helpers/running/ and sends the outcomes, plain data, to the worker.
2. Judging (the parent): judge_notebook.py judges those outcomes with the notebook's own
   judging (helpers/checks.py) and decides each exercise's points.

The modules, in the order they import each other (each imports only modules above it):

    protocol.py        the shared vocabulary: statuses, limits, the child's messages
    isolation.py       namespaces, mounts, privileges (child side)
    processes.py       waiting for, reading from and killing the worker's children
    run_notebook.py    step 1: running a notebook's cells in the child
    worker.py          the worker process: a sandboxed child per job, relaying its questions
    launch.py          starts the worker, loading the above by path without `helpers`
    workers.py         the parent's side of the workers
    submissions.py     finding and reading notebooks (plain JSON)
    jobs.py            what a child is given: cases, specs, the course code it may import
    judge_notebook.py  step 2: judging what a child sent back
    outputs.py         grades.csv, feedback pages, the summary
    roster.py          --roster: which student each folder is (read by the command too)
    gradebook.py       gradebook.csv (a line per student) and Gradescope-shaped JSON
    report.py          report.html: the class's pass rates and named mistakes
    classroom.py       grading a whole class with the workers

This file imports nothing: the worker loads the package by path.
"""
