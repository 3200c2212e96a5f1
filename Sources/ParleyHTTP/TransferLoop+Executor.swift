/// The loop thread as a task executor: tasks that prefer it (`withTaskExecutorPreference`, or a task
/// group's `addTask(executorPreference:)`) run their code on the loop thread between network
/// events. A reply then resumes its task without crossing threads: a resume made on the loop
/// thread (in a libcurl callback) is a queue append, with no lock, no wake-up and no thread
/// switch, and the request the task makes next reaches libcurl the same way.
extension TransferLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isLoopThread {
            readyJobs.append(job)
            return
        }
        // A loop that has shut down runs nothing more: the global executor takes the job.
        if !post({ $0.jobs.append(job) }) { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Runs the jobs that are ready, and those they make ready (an actor hop, a child task), a few
    /// rounds deep before the network is looked at again.
    func runReadyJobs() {
        let executor = asUnownedTaskExecutor()
        var rounds = 0
        while !readyJobs.isEmpty, rounds < 8 {
            swap(&readyJobs, &runningJobs)
            for job in runningJobs {
                job.runSynchronously(on: executor)
            }
            runningJobs.removeAll(keepingCapacity: true)
            rounds += 1
        }
    }

    /// Gives every job still queued to the global executor (the loop is stopping).
    func handOffJobs() {
        let queued = inbox.withLock { inbox -> [UnownedJob] in
            defer { inbox.jobs.removeAll() }
            return inbox.jobs
        }
        for job in readyJobs + queued {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
        readyJobs.removeAll()
    }

    /// Whether the loop has work of its own to do before it may wait for the network.
    var hasLocalWork: Bool { !readyJobs.isEmpty || hasLocalCommands }
}
